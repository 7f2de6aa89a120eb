package installer

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadOrder(t *testing.T) {
	dep := `kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko
kernel/fs/nls/nls_cp437.ko.xz:
kernel/drivers/ata/ata-piix.ko:
`
	builtin := "kernel/fs/ext4/ext4.ko\nkernel/fs/isofs/isofs.ko\n"
	got, err := loadOrder(dep, builtin, []string{"virtio_pci", "virtio_blk", "isofs", "ata_piix", "nls_cp437"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_pci.ko",
		"kernel/drivers/block/virtio_blk.ko", "kernel/drivers/ata/ata-piix.ko", "kernel/fs/nls/nls_cp437.ko.xz",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("load order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := loadOrder(dep, builtin, []string{"ahci"}); err == nil || err.Error() != "no module ahci" {
		t.Errorf("a missing module: %v", err)
	}
}

func TestNewestKernel(t *testing.T) {
	list := "/2/040755/0/0/./4096/\n/2/040755/0/0/../4096/\n/12/040755/0/0/6.1.0-9-cloud-amd64/4096/\n/13/040755/0/0/6.1.0-57-cloud-amd64/4096/\n/14/040755/0/0/6.1.0-10-cloud-amd64/4096/\n"
	if got := newestKernel(list); got != "6.1.0-57-cloud-amd64" {
		t.Errorf("newest kernel = %q", got)
	}
	if got := newestKernel("/2/040755/0/0/./4096/\n"); got != "" {
		t.Errorf("no kernel: %q", got)
	}
}

// The archive is read back by a real cpio: busybox's, which the
// initramfs runs on, lists what the kernel would unpack.
func TestArchiveIsReadByCpio(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skip("busybox not installed")
	}
	a := newArchive()
	a.file("etc/kickstart.awk", 0o644, []byte("BEGIN {}\n"))
	a.file("init", 0o755, []byte("#!/bin/sh\n"))
	a.symlink("bin/sh", "/bin/busybox")
	a.charDevice("dev/console", 0o600, 5, 1)
	var b bytes.Buffer
	if err := a.write(&b); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(busybox, "cpio", "-t", "-v")
	cmd.Stdin = &b
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -t: %v\n%s", err, out)
	}
	listing := string(out)
	for _, want := range []string{"drwxr-xr-x", "etc/kickstart.awk", "-rwxr-xr-x", "init", "lrwxrwxrwx", "bin/sh -> /bin/busybox", "crw-------", "dev/console"} {
		if !strings.Contains(listing, want) {
			t.Errorf("cpio lists no %q:\n%s", want, listing)
		}
	}
	// Unpacked, a file holds what was put in.
	files := newArchive()
	files.file("etc/kickstart.awk", 0o644, []byte("BEGIN {}\n"))
	b.Reset()
	if err := files.write(&b); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd = exec.Command(busybox, "cpio", "-i", "-d")
	cmd.Dir = dir
	cmd.Stdin = &b
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v\n%s", err, out)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "etc", "kickstart.awk")); err != nil || string(got) != "BEGIN {}\n" {
		t.Errorf("unpacked kickstart.awk = %q, %v", got, err)
	}
}

func TestMenusRender(t *testing.T) {
	dir := t.TempDir()
	if err := writeIsolinuxTree(dir); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := writeGrubTree(dir); err != nil {
		t.Fatal(err)
	}
	grub, err := os.ReadFile(filepath.Join(dir, "boot", "grub", "grub.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"search --no-floppy --set=root -l 'STANDIN-INSTALL'",
		"\tlinux /images/pxeboot/vmlinuz inst.stage2=hd:LABEL=STANDIN-INSTALL console=tty0 console=ttyS0,115200 rd.live.check quiet\n",
	} {
		if !strings.Contains(string(grub), want) {
			t.Errorf("grub.cfg lacks %q:\n%s", want, grub)
		}
	}
}
