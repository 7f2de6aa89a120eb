package installer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// What the ISOs boot with, from Debian's isolinux, syslinux-common and
// grub-pc-bin.
const (
	isolinuxBin  = "/usr/lib/ISOLINUX/isolinux.bin"
	isohybridMBR = "/usr/lib/ISOLINUX/isohdpfx.bin"
	syslinuxBIOS = "/usr/lib/syslinux/modules/bios"
	grubPC       = "/usr/lib/grub/i386-pc"
)

// requireTools says, at once, everything the build needs and lacks.
func requireTools() error {
	var missing []string
	for _, t := range []string{"qemu-img", "sfdisk", "debugfs", "e2fsck", "resize2fs", "dumpe2fs", "xorriso", "grub-mkrescue", "mformat"} {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, t)
		}
	}
	files := []string{isolinuxBin, isohybridMBR, grubPC + "/modinfo.sh", busybox}
	for _, m := range []string{"ldlinux", "menu", "libutil", "libcom32"} {
		files = append(files, filepath.Join(syslinuxBIOS, m+".c32"))
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing: %s (apt-get install qemu-utils fdisk e2fsprogs busybox-static isolinux syslinux-common grub-pc-bin mtools xorriso)", strings.Join(missing, " "))
	}
	// The initramfs has no libc: its busybox must be the static one, with
	// the applets the payload needs.
	if out, err := exec.Command(busybox, "--list").Output(); err != nil || !strings.Contains("\n"+string(out), "\nlzop\n") {
		return fmt.Errorf("%s has no lzop applet: install busybox-static", busybox)
	}
	if out, err := exec.Command("ldd", busybox).CombinedOutput(); err == nil || !strings.Contains(string(out), "not a dynamic executable") {
		return fmt.Errorf("%s is dynamically linked: install busybox-static", busybox)
	}
	return nil
}

// writeIsolinuxTree writes the CentOS 7 / Stream 8/9 boot menu: lorax's
// isolinux.cfg, with the text menu.c32 instead of the graphical
// vesamenu.c32, so that the menu is readable on the serial console.
func writeIsolinuxTree(root string) error {
	dir := filepath.Join(root, "isolinux")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := copyFile(isolinuxBin, filepath.Join(dir, "isolinux.bin"), 0o644); err != nil {
		return err
	}
	for _, m := range []string{"ldlinux", "menu", "libutil", "libcom32"} {
		if err := copyFile(filepath.Join(syslinuxBIOS, m+".c32"), filepath.Join(dir, m+".c32"), 0o644); err != nil {
			return err
		}
	}
	return render("menus/isolinux.cfg", filepath.Join(dir, "isolinux.cfg"), map[string]string{"BootArgs": bootArgs})
}

// writeGrubTree writes the Stream 10 BIOS boot menu: lorax's
// grub2-bios.cfg, on the serial console too. The entries' first body line
// is `linux`, so GRUB's editor shows: setparams 'Install ...' / (empty) /
// linux ... — hence the `e<down><down><end>` of Stream 10 boot commands.
func writeGrubTree(root string) error {
	dir := filepath.Join(root, "boot", "grub")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return render("menus/grub.cfg", filepath.Join(dir, "grub.cfg"), map[string]string{"BootArgs": bootArgs, "VolID": VolumeID})
}

// makeIsolinuxISO writes an El Torito (no emulation) ISO with an
// isohybrid MBR.
func makeIsolinuxISO(ctx context.Context, out, common, tree string) error {
	return xorriso(ctx, out, "xorriso", "-as", "mkisofs", "-quiet", "-o", out, "-V", VolumeID, "-J", "-joliet-long", "-r",
		"-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
		"-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
		"-isohybrid-mbr", isohybridMBR, common, tree)
}

// makeGrubISO writes a BIOS (i386-pc) only ISO with grub-mkrescue: the El
// Torito image is GRUB's cdboot.img + core.img, our grub.cfg is
// /boot/grub/grub.cfg. grub-mkrescue runs `xorriso -as mkisofs ...
// SOURCES -- EXTRA`: after `--` xorriso is in its native mode, so the
// volume id and Joliet are set with native commands there.
func makeGrubISO(ctx context.Context, out, common, tree string) error {
	return xorriso(ctx, out, "grub-mkrescue", "--directory="+grubPC, "--locales=", "--themes=", "--fonts=", "--compress=xz",
		"-o", out, common, tree, "--", "-volid", VolumeID, "-joliet", "on")
}

// xorrisoChatter is what xorriso says on every run; warnings and errors
// are passed on. The volume id warning: ISO 9660 d-characters have no
// "-", yet every CentOS volume id has one (CentOS-Stream-9-BaseOS-x86_64).
var xorrisoChatter = regexp.MustCompile(`^(xorriso [0-9.]+ : RockRidge|xorriso : (NOTE|UPDATE)|xorriso : WARNING : -volid text does not comply|Drive current|Media current|Media status|Media summary|Added to ISO|Written to medium|Writing to |ISO image produced|libisofs|\s*$)`)

// xorriso runs xorriso (or grub-mkrescue, which runs it) to write the ISO
// out, and fails with what it said that was not chatter.
func xorriso(ctx context.Context, out, name string, args ...string) error {
	text, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	var said []string
	for _, line := range strings.Split(string(text), "\n") {
		if !xorrisoChatter.MatchString(line) {
			said = append(said, line)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.Join(said, "\n"))
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		return fmt.Errorf("%s wrote nothing: %s", name, strings.Join(said, "\n"))
	}
	return nil
}
