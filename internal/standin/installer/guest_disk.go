package installer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/rawdisk"
	"github.com/packer-centos/packer-plugin-centos/internal/tool"
)

// modules are what the installer's /init loads (their dependencies come
// from the kernel's modules.dep): virtio PCI, disk, NIC and SCSI; IDE
// CD-ROMs (the pc machine's PIIX; the cloud kernel has no AHCI) and SCSI
// disks and CD-ROMs; ISO 9660; FAT for an OEMDRV disk. ext4, crc32c and
// AF_PACKET are built into the cloud kernel.
var modules = []string{
	"virtio_pci", "virtio_blk", "virtio_net", "virtio_scsi",
	"ata_piix", "ata_generic", "sr_mod", "sd_mod",
	"isofs", "vfat", "nls_cp437", "nls_ascii", "nls_utf8",
}

// guestDisk is the stand-in guest as a raw disk; its root file system is
// partition 2.
type guestDisk struct {
	*rawdisk.Disk
	raw     string
	rootOff int64 // bytes
}

// rootPartition is the index of the guest's root among its partitions.
const rootPartition = 1

// openGuestDisk converts the guest image to raw at raw and finds its root
// file system.
func openGuestDisk(ctx context.Context, guest, raw string, logf Logf) (*guestDisk, error) {
	t := time.Now()
	d, err := rawdisk.Open(ctx, guest, raw)
	if err != nil {
		return nil, err
	}
	if len(d.Partitions) <= rootPartition {
		return nil, fmt.Errorf("the guest image %s has no partition %d, its root", guest, rootPartition+1)
	}
	g := &guestDisk{Disk: d, raw: raw, rootOff: d.Partitions[rootPartition]}
	logf("guest disk: %s raw, root at byte %d (%.1f s)", raw, g.rootOff, time.Since(t).Seconds())
	return g, nil
}

// kernelAndModules copies the guest's newest kernel to kernel and returns
// the modules /init loads, in load order, read out of the guest.
func (d *guestDisk) kernelAndModules(ctx context.Context, kernel string, logf Logf) (*kernelModules, error) {
	t := time.Now()
	list, err := d.Debugfs(ctx, rootPartition, "ls -p /lib/modules")
	if err != nil {
		return nil, err
	}
	kver := newestKernel(string(list))
	if kver == "" {
		return nil, fmt.Errorf("no /lib/modules/<version> in the guest image")
	}
	if err := d.Dump(ctx, rootPartition, "/boot/vmlinuz-"+kver, kernel); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(filepath.Dir(d.raw), "modules-")
	if err != nil {
		return nil, err
	}
	read := func(name string) ([]byte, error) {
		dst := filepath.Join(dir, strings.ReplaceAll(name, "/", "_"))
		if err := d.Dump(ctx, rootPartition, "/lib/modules/"+kver+"/"+name, dst); err != nil {
			return nil, err
		}
		return os.ReadFile(dst)
	}
	dep, err := read("modules.dep")
	if err != nil {
		return nil, err
	}
	builtin, err := read("modules.builtin")
	if err != nil {
		return nil, err
	}
	order, err := loadOrder(string(dep), string(builtin), modules)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", kver, err)
	}
	m := &kernelModules{version: kver, files: map[string][]byte{}}
	for _, p := range order {
		data, err := read(p)
		if err != nil {
			return nil, err
		}
		m.order = append(m.order, p)
		m.files[p] = data
	}
	var names []string
	for _, p := range order {
		names = append(names, filepath.Base(p))
	}
	logf("kernel %s, %d modules: %s (%.1f s)", kver, len(order), strings.Join(names, " "), time.Since(t).Seconds())
	return m, nil
}

// kernelModules are the modules the initramfs carries, by their path
// under /lib/modules/<version>, and the order /init loads them in.
type kernelModules struct {
	version string
	order   []string
	files   map[string][]byte
}

// newestKernel picks the highest version among the directories `debugfs
// ls -p /lib/modules` lists (/inode/mode/uid/gid/name/size/ lines).
func newestKernel(list string) string {
	var versions []string
	for _, line := range strings.Split(list, "\n") {
		f := strings.Split(line, "/")
		if len(f) > 5 && f[5] != "" && f[5][0] >= '0' && f[5][0] <= '9' {
			versions = append(versions, f[5])
		}
	}
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
	if len(versions) == 0 {
		return ""
	}
	return versions[len(versions)-1]
}

var versionPart = regexp.MustCompile(`\d+|\D+`)

// versionLess orders versions as sort -V does, for kernel versions.
func versionLess(a, b string) bool {
	pa, pb := versionPart.FindAllString(a, -1), versionPart.FindAllString(b, -1)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] == pb[i] {
			continue
		}
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		if ea == nil && eb == nil {
			return na < nb
		}
		return pa[i] < pb[i]
	}
	return len(pa) < len(pb)
}

// loadOrder lists, for the wanted modules, the module files to load, each
// after the modules it depends on, from modules.dep ("path: dep dep ...",
// every dependency listed, transitively). A wanted module built into the
// kernel (modules.builtin) needs no file.
func loadOrder(dep, builtin string, wanted []string) ([]string, error) {
	pathOf := map[string]string{}
	depsOf := map[string][]string{}
	for _, line := range strings.Split(dep, "\n") {
		p, deps, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name := strings.ReplaceAll(moduleName(p), "-", "_")
		pathOf[name] = p
		depsOf[p] = strings.Fields(deps)
	}
	var order []string
	seen := map[string]bool{}
	var visit func(p string)
	visit = func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		for _, d := range depsOf[p] {
			visit(d)
		}
		order = append(order, p)
	}
	for _, m := range wanted {
		if p, ok := pathOf[m]; ok {
			visit(p)
			continue
		}
		if !regexp.MustCompile(`(?m)/` + regexp.QuoteMeta(m) + `\.ko`).MatchString(builtin) {
			return nil, fmt.Errorf("no module %s", m)
		}
	}
	return order, nil
}

// moduleName is a module's name from its path: kernel/fs/isofs/isofs.ko.xz
// is isofs.
func moduleName(path string) string {
	name := filepath.Base(path)
	if i := strings.Index(name, ".ko"); i >= 0 {
		name = name[:i]
	}
	return name
}

// writePayload writes dir/disk.raw.lzo — the guest disk up to the end of
// its root file system, shrunk to the minimum (the partition table still
// says what the guest image says; the installer grows partition and file
// system to the target disk) — its sha256 for rd.live.check, disk.size
// (the smallest target disk: the guest image's size) and a README.
func (d *guestDisk) writePayload(ctx context.Context, dir string, logf Logf) error {
	t := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := filepath.Join(filepath.Dir(d.raw), "root.img")
	defer os.Remove(root)
	if err := copyRange(ctx, d.raw, root, d.rootOff); err != nil {
		return err
	}
	// e2fsck exits 1 when it fixed something, which is fine here.
	if _, err := tool.Output(ctx, "e2fsck", "-fy", root); err != nil && tool.ExitCode(err) > 1 {
		return err
	}
	if _, err := tool.Output(ctx, "resize2fs", "-M", root); err != nil {
		return err
	}
	fsBytes, err := fsSize(ctx, root)
	if err != nil {
		return err
	}
	payload := filepath.Join(dir, "disk.raw.lzo")
	if err := lzop(ctx, payload, part{d.raw, d.rootOff}, part{root, fsBytes}); err != nil {
		return err
	}
	sum, size, err := ctxio.SHA256File(ctx, payload)
	if err != nil {
		return err
	}
	fi, err := os.Stat(d.raw)
	if err != nil {
		return err
	}
	readme := fmt.Sprintf(`Stand-in CentOS installer payload (packer-plugin-centos test fixture).
disk.raw.lzo: the stand-in guest disk (Debian bookworm), root file system
shrunk to %d MiB; the installer grows it to fill the target disk.
disk.size: the smallest target disk in bytes. Not CentOS.
`, fsBytes>>20)
	for name, content := range map[string]string{
		"disk.raw.lzo.sha256": sum + "  disk.raw.lzo\n",
		"disk.size":           strconv.FormatInt(fi.Size(), 10) + "\n",
		"README.txt":          readme,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	logf("payload: %d MiB LZO, %d MiB raw (%.1f s)", size>>20, (d.rootOff+fsBytes)>>20, time.Since(t).Seconds())
	return nil
}

// fsSize is the size in bytes of the ext4 file system in img.
func fsSize(ctx context.Context, img string) (int64, error) {
	out, err := tool.Output(ctx, "dumpe2fs", "-h", img)
	if err != nil {
		return 0, err
	}
	field := func(name string) int64 {
		m := regexp.MustCompile(`(?m)^` + name + `:\s+(\d+)`).FindSubmatch(out)
		if m == nil {
			return 0
		}
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		return n
	}
	blocks, size := field("Block count"), field("Block size")
	if blocks == 0 || size == 0 {
		return 0, fmt.Errorf("cannot read the size of the file system in %s", img)
	}
	return blocks * size, nil
}

// part is the first n bytes of a file.
type part struct {
	path string
	n    int64
}

// lzop writes the parts, one after the other, LZO-compressed by the
// busybox the installer unpacks them with: under TCG, unpacking is what an
// install spends its time on, and busybox unpacks LZO about three times as
// fast as gzip.
func lzop(ctx context.Context, dst string, parts ...part) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, busybox, "lzop", "-c")
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	feed := func() error {
		defer in.Close()
		for _, p := range parts {
			f, err := os.Open(p.path)
			if err != nil {
				return err
			}
			_, err = io.Copy(in, ctxio.Reader(ctx, io.LimitReader(f, p.n)))
			f.Close()
			if err != nil {
				return fmt.Errorf("compress %s: %w", p.path, err)
			}
		}
		return nil
	}
	ferr := feed()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("busybox lzop: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if ferr != nil {
		return ferr
	}
	return out.Close()
}

// copyRange copies src from byte off to its end into dst.
func copyRange(ctx context.Context, src, dst string, off int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := in.Seek(off, io.SeekStart); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, ctxio.Reader(ctx, in)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
