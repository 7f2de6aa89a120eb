package imageformat

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

func requireQemuImg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img is not installed")
	}
}

// testSource is a flattened qcow2 disk as the build hands WriteAll: data
// at its start and its end, zeros between, and a size that is not a whole
// number of MiB, so the targets that want one pad it.
func testSource(t *testing.T) Source {
	t.Helper()
	requireQemuImg(t)
	dir := t.TempDir()
	raw := filepath.Join(dir, "disk.raw")
	const size = 8*sizes.MiB + 3*512
	data := make([]byte, size)
	rand.Read(data[:64*1024])
	rand.Read(data[size-4096:])
	if err := os.WriteFile(raw, data, 0o644); err != nil {
		t.Fatal(err)
	}
	src := Source{Path: filepath.Join(dir, "flat.qcow2"), Format: "qcow2", VirtualSize: size}
	if err := qemuimg.Convert(context.Background(), raw, src.Path, "qcow2", qemuimg.CompressionNone); err != nil {
		t.Fatal(err)
	}
	return src
}

// smallGCEUnit lets the test write GCE archives of whole MiB rather than
// whole GiB: a GiB of zeros takes half a minute to gzip under -race.
// TestGCEArchiveRefuses and the E2E build hold the real unit.
func smallGCEUnit(t *testing.T) {
	gceUnit = sizes.MiB
	t.Cleanup(func() { gceUnit = sizes.GiB })
}

func allOutputs(dir string) []Output {
	var outs []Output
	for _, f := range formats {
		outs = append(outs, Output{
			Format: f.Name, Path: filepath.Join(dir, "image"+f.Ext), Compression: "zstd", Name: "image",
			Machine: Machine{CPUs: 2, MemoryMiB: 1024, Firmware: "bios"},
		})
	}
	return outs
}

// Every format is written from the one source, and each, read back as
// its target would, holds the same disk.
func TestWriteAllFormatsHoldTheSameDisk(t *testing.T) {
	ctx := context.Background()
	smallGCEUnit(t)
	src := testSource(t)
	out := t.TempDir()
	scratch := t.TempDir()
	written, err := WriteAll(ctx, src, allOutputs(out), Options{Scratch: scratch})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != len(formats) {
		t.Fatalf("%d outputs written, want %d", len(written), len(formats))
	}
	wantVirtual := map[string]int64{"vhd": 9 * sizes.MiB, "gce": 9 * sizes.MiB}
	for _, w := range written {
		t.Run(w.Format, func(t *testing.T) {
			fi, err := os.Stat(w.Path)
			if err != nil || fi.Size() != w.Size || len(w.SHA256) != 64 {
				t.Fatalf("written %+v, file %v %v", w, fi, err)
			}
			want := wantVirtual[w.Format]
			if want == 0 {
				want = src.VirtualSize
			}
			if w.VirtualSize != want {
				t.Errorf("virtual size %d, want %d", w.VirtualSize, want)
			}
			disk, err := OpenDisk(ctx, w.Path, w.Format, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if disk.ImageDigest != w.ImageDigest() {
				t.Errorf("read back image digest %q, written %q", disk.ImageDigest, w.ImageDigest())
			}
			diff, err := qemuimg.Compare(ctx, src.Path, src.Format, disk.Path, disk.Format)
			if err != nil || diff != "" {
				t.Errorf("compared with the source: %q, %v", diff, err)
			}
		})
	}
	// Only the containerDisk's image layout stays in scratch, to be
	// pushed.
	left, _ := filepath.Glob(filepath.Join(scratch, "*"))
	if len(left) != 1 || !strings.HasSuffix(left[0], "-containerdisk") {
		t.Errorf("scratch holds %v, want the containerdisk's layout only", left)
	}
}

// What each image format is, as qemu-img sees it: the subformat each
// target takes.
func TestWrittenImageFormats(t *testing.T) {
	ctx := context.Background()
	src := testSource(t)
	out := t.TempDir()
	var outs []Output
	for _, o := range allOutputs(out) {
		if f, _ := Lookup(o.Format); f.QemuFormat != "" {
			outs = append(outs, o)
		}
	}
	written, err := WriteAll(ctx, src, outs, Options{Scratch: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"qcow2": `"compression-type": "zstd"`,
		"vmdk":  `"create-type": "streamOptimized"`,
		"vhdx":  `"format": "vhdx"`,
		"vhd":   `"format": "vpc"`,
		"raw":   `"format": "raw"`,
	}
	for _, w := range written {
		f, _ := Lookup(w.Format)
		info, err := exec.Command("qemu-img", "info", "--output=json", "-f", f.QemuFormat, w.Path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(info), want[w.Format]) {
			t.Errorf("%s: qemu-img info lacks %s:\n%s", w.Format, want[w.Format], info)
		}
		var parsed struct {
			Backing string `json:"backing-filename"`
		}
		json.Unmarshal(info, &parsed)
		if parsed.Backing != "" {
			t.Errorf("%s has a backing file %s: outputs are flattened", w.Format, parsed.Backing)
		}
	}
	footer, err := ReadVHDFooter(filepath.Join(out, "image.vhd"))
	if err != nil || footer.DiskType != VHDFixed || footer.CurrentSize != uint64(9*sizes.MiB) {
		t.Errorf("VHD footer %+v, %v: want fixed, 9 MiB", footer, err)
	}
}

// A failing output stops the build's export: every output file, written
// or not, is gone, and the error names the output.
func TestWriteAllRemovesEverythingOnFailure(t *testing.T) {
	smallGCEUnit(t)
	ctx := context.Background()
	src := testSource(t)
	out := t.TempDir()
	outs := allOutputs(out)
	outs = append(outs, Output{Format: "raw", Path: filepath.Join(out, "missing-dir", "x.raw")})
	_, err := WriteAll(ctx, src, outs, Options{Scratch: t.TempDir(), Parallel: 1})
	if err == nil || !strings.Contains(err.Error(), "write the raw output "+filepath.Join(out, "missing-dir", "x.raw")) {
		t.Fatalf("WriteAll = %v, want it to name the failed output", err)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestWriteAllStopsWhenCancelled(t *testing.T) {
	src := testSource(t)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := WriteAll(ctx, src, allOutputs(out), Options{Scratch: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WriteAll = %v, want it cancelled", err)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// An OVA holds the vmdk output's file and a containerDisk the qcow2
// output's of its compression, byte for byte, however the outputs are
// listed and even one at a time; a qcow2 of another compression is not
// taken.
func TestWriteAllReusesSiblings(t *testing.T) {
	ctx := context.Background()
	src := testSource(t)
	out := t.TempDir()
	outs := []Output{
		{Format: "ova", Path: filepath.Join(out, "image.ova"), Name: "image", Machine: Machine{CPUs: 1, MemoryMiB: 512, Firmware: "bios"}},
		{Format: "containerdisk", Path: filepath.Join(out, "image.containerdisk.tar"), Name: "image", Compression: "zlib"},
		{Format: "containerdisk", Path: filepath.Join(out, "other.containerdisk.tar"), Name: "image", Compression: "none"},
		{Format: "vmdk", Path: filepath.Join(out, "image.vmdk")},
		{Format: "qcow2", Path: filepath.Join(out, "image.qcow2"), Compression: "zlib"},
	}
	if _, err := WriteAll(ctx, src, outs, Options{Parallel: 1, Scratch: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	vmdk, _ := os.ReadFile(filepath.Join(out, "image.vmdk"))
	entries := readTar(t, filepath.Join(out, "image.ova"))
	if !bytes.Equal(entries[1].data, vmdk) {
		t.Error("the OVA's disk is not the vmdk output")
	}
	qcow, _ := os.ReadFile(filepath.Join(out, "image.qcow2"))
	for file, same := range map[string]bool{"image.containerdisk.tar": true, "other.containerdisk.tar": false} {
		disk, err := OpenDisk(ctx, filepath.Join(out, file), "containerdisk", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(disk.Path)
		if bytes.Equal(got, qcow) != same {
			t.Errorf("%s holds the qcow2 output: %v, want %v", file, !same, same)
		}
	}
}

// The slowest formats start first; an archive that takes a sibling's file
// starts after every other.
func TestStartOrder(t *testing.T) {
	var jobs []*job
	for _, f := range []string{"qcow2", "raw", "ova", "vmdk", "vhd", "containerdisk", "gce", "vhdx"} {
		jobs = append(jobs, &job{out: Output{Format: f, Compression: "zstd"}})
	}
	for _, j := range jobs {
		j.reuse = sibling(j, jobs)
	}
	var got []string
	for _, i := range startOrder(jobs) {
		got = append(got, jobs[i].out.Format)
	}
	if want := "vmdk gce qcow2 vhd vhdx raw ova containerdisk"; strings.Join(got, " ") != want {
		t.Errorf("start order %v, want %s", got, want)
	}
}

// A full disk fails the export naming the output and the cause, and
// leaves no output behind. The output directory is a 64 KiB tmpfs, which
// needs root to mount.
func TestWriteAllDiskFull(t *testing.T) {
	src := testSource(t)
	out := t.TempDir()
	if err := syscall.Mount("tmpfs", out, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(out, 0) })
	// One at a time, the qcow2 first: qemu-img's vmdk driver reports a
	// full disk as "Invalid argument", which would make the message race.
	_, err := WriteAll(context.Background(), src, allOutputs(out)[:2], Options{Scratch: t.TempDir(), Parallel: 1})
	if err == nil || !strings.Contains(err.Error(), "write the qcow2 output "+filepath.Join(out, "image.qcow2")) || !strings.Contains(err.Error(), "No space left on device") {
		t.Fatalf("WriteAll on a full disk = %v, want it to name the output and the full disk", err)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
