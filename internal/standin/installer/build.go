// Package installer builds the two stand-in CentOS installer ISOs that
// the tests boot where a CentOS boot or DVD ISO would be used (real ones
// cannot be downloaded on the machines this project is built on); see
// README.md beside this file. The installer itself is init.sh, the
// busybox PID 1 of the ISOs' initramfs.
package installer

import (
	"context"
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
)

// The ISOs Build writes, and what they are labelled.
const (
	ISOLINUX = "standin-installer-isolinux.iso" // ISOLINUX menu: CentOS 7, Stream 8/9
	GRUB     = "standin-installer-grub.iso"     // GRUB2 menu: Stream 10, BIOS
	VolumeID = "STANDIN-INSTALL"
)

// bootArgs is what both menus boot the installer with. console=ttyS0 comes
// last: it becomes /dev/console, so the installer's progress lands in the
// serial log the tests read.
const bootArgs = "inst.stage2=hd:LABEL=" + VolumeID + " console=tty0 console=ttyS0,115200"

// The installer's own files, put into the initramfs, and the boot menus.
//
//go:embed init.sh udhcpc.sh kickstart.awk menus
var recipe embed.FS

// Logf reports progress.
type Logf func(format string, args ...any)

// Build writes ISOLINUX and GRUB into outDir, each with a sha256sum-format
// .sha256 beside it, from the stand-in guest image guest. Both ISOs carry
// images/pxeboot/vmlinuz and initrd.img (the guest's own kernel, and a
// busybox initramfs whose /init is init.sh) and standin/disk.raw.lzo: the
// guest disk, raw, its root file system shrunk to the minimum (the
// installer grows it to fill the target disk). Every file is written
// atomically, the .sha256 files last, so a reader that finds them finds
// the ISOs they describe. work holds about 3 GiB of throwaway files.
func Build(ctx context.Context, outDir, guest, work string, logf Logf) error {
	start := time.Now()
	if err := requireTools(); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(work, "standin-installer-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	disk, err := openGuestDisk(ctx, guest, filepath.Join(dir, "disk.raw"), logf)
	if err != nil {
		return err
	}
	common := filepath.Join(dir, "common")
	if err := commonTree(ctx, disk, common, logf); err != nil {
		return err
	}
	os.Remove(disk.raw)
	isolinuxTree, grubTree := filepath.Join(dir, "isolinux"), filepath.Join(dir, "grub")
	if err := writeIsolinuxTree(isolinuxTree); err != nil {
		return err
	}
	if err := writeGrubTree(grubTree); err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	isos := []struct {
		name  string
		build func(ctx context.Context, out string) error
	}{
		{ISOLINUX, func(ctx context.Context, out string) error { return makeIsolinuxISO(ctx, out, common, isolinuxTree) }},
		{GRUB, func(ctx context.Context, out string) error { return makeGrubISO(ctx, out, common, grubTree) }},
	}
	sums := map[string]string{}
	for _, iso := range isos {
		t := time.Now()
		tmp := filepath.Join(outDir, "."+iso.name+".tmp")
		defer os.Remove(tmp)
		if err := iso.build(ctx, tmp); err != nil {
			return fmt.Errorf("build %s: %w", iso.name, err)
		}
		sum, size, err := ctxio.SHA256File(ctx, tmp)
		if err != nil {
			return err
		}
		sums[iso.name] = sum
		logf("%s: %d MiB (%.1f s)", iso.name, size>>20, time.Since(t).Seconds())
	}
	for _, iso := range isos {
		if err := os.Rename(filepath.Join(outDir, "."+iso.name+".tmp"), filepath.Join(outDir, iso.name)); err != nil {
			return err
		}
	}
	for _, iso := range isos {
		line := fmt.Sprintf("%s  %s\n", sums[iso.name], iso.name)
		if err := writeAtomic(filepath.Join(outDir, iso.name+".sha256"), []byte(line), 0o644); err != nil {
			return err
		}
	}
	logf("built %s and %s in %s in %.1f s", ISOLINUX, GRUB, outDir, time.Since(start).Seconds())
	return nil
}

// commonTree is what both ISOs carry: kernel, initramfs, payload and the
// .treeinfo of real CentOS media.
func commonTree(ctx context.Context, disk *guestDisk, dir string, logf Logf) error {
	pxe := filepath.Join(dir, "images", "pxeboot")
	if err := os.MkdirAll(pxe, 0o755); err != nil {
		return err
	}
	kernel, initrd := filepath.Join(pxe, "vmlinuz"), filepath.Join(pxe, "initrd.img")
	mods, err := disk.kernelAndModules(ctx, kernel, logf)
	if err != nil {
		return err
	}
	if err := writeInitramfs(initrd, mods, logf); err != nil {
		return err
	}
	if err := disk.writePayload(ctx, filepath.Join(dir, "standin"), logf); err != nil {
		return err
	}
	kernelSum, _, err := ctxio.SHA256File(ctx, kernel)
	if err != nil {
		return err
	}
	initrdSum, _, err := ctxio.SHA256File(ctx, initrd)
	if err != nil {
		return err
	}
	return render("menus/treeinfo", filepath.Join(dir, ".treeinfo"), map[string]string{"KernelSHA256": kernelSum, "InitrdSHA256": initrdSum})
}

// render writes the embedded template name, filled with data, to path.
func render(name, path string, data any) error {
	text, err := recipe.ReadFile(name)
	if err != nil {
		return err
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeAtomic writes data to path through a temporary file beside it.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// copyFile copies src to dst with mode.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
