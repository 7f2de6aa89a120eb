package rawdisk

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A disk made the way the stand-in's is — a partition table and an ext4
// written at its offset, converted to qcow2 — is read back file by file.
func TestReadFileFromAPartition(t *testing.T) {
	for _, tool := range []string{"qemu-img", "sfdisk", "mkfs.ext4", "debugfs"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree", "etc")
	os.MkdirAll(tree, 0o755)
	os.WriteFile(filepath.Join(tree, "baked"), []byte("baked\n"), 0o644)
	raw := filepath.Join(dir, "disk.raw")
	sh := func(script string) {
		t.Helper()
		if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	sh("truncate -s 24M " + raw)
	sh("echo 'start=2048, type=83' | sfdisk -q " + raw)
	sh("mkfs.ext4 -q -F -d " + filepath.Join(dir, "tree") + " -E offset=1048576 " + raw + " 20M")
	image := filepath.Join(dir, "disk.qcow2")
	sh("qemu-img convert -O qcow2 " + raw + " " + image)

	ctx := context.Background()
	d, err := Open(ctx, image, filepath.Join(dir, "flat.raw"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Partitions) != 1 || d.Partitions[0] != 1<<20 {
		t.Fatalf("partitions = %v, want one at 1 MiB", d.Partitions)
	}
	if got, err := d.ReadFile(ctx, "/etc/baked"); err != nil || got != "baked\n" {
		t.Errorf("ReadFile = %q, %v", got, err)
	}
	if names, err := d.ReadDir(ctx, "/etc"); err != nil || strings.Join(names, " ") != "baked" {
		t.Errorf("ReadDir(/etc) = %v, %v; want [baked]", names, err)
	}
	if names, err := d.ReadDir(ctx, "/"); err != nil || strings.Join(names, " ") != "etc lost+found" {
		t.Errorf("ReadDir(/) = %v, %v; want [etc lost+found]", names, err)
	}
	if _, err := d.ReadDir(ctx, "/var"); err == nil {
		t.Error("ReadDir of a missing directory succeeded")
	}
	if _, err := d.ReadFile(ctx, "/etc/missing"); err == nil || !strings.Contains(err.Error(), "not found in any ext4 partition") {
		t.Errorf("a missing file: %v", err)
	}
	dst := filepath.Join(dir, "out")
	if err := d.Dump(ctx, 0, "/etc/baked", dst); err != nil {
		t.Fatal(err)
	}
	if err := d.Dump(ctx, 1, "/etc/baked", dst); err == nil {
		t.Error("a partition that does not exist was read")
	}
	if err := d.WriteFile(ctx, "/etc/baked", []byte("broken\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := d.ReadFile(ctx, "/etc/baked"); err != nil || got != "broken\n" {
		t.Errorf("after WriteFile: %q, %v", got, err)
	}
	if err := d.WriteFile(ctx, "/etc/missing", []byte("x")); err == nil {
		t.Error("WriteFile made a file that was not there")
	}
}
