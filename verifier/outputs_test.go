package verifier_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// writtenOutputs writes a small disk as qcow2 (the primary) and as every
// other format but gce, whose whole GiB is too slow to gzip here
// (imageformat's own tests write and read it).
func writtenOutputs(t *testing.T) (string, []verifier.Output) {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	raw := filepath.Join(dir, "disk.raw")
	data := make([]byte, 4<<20)
	copy(data, "a boot sector")
	copy(data[3<<20:], "data near the end")
	os.WriteFile(raw, data, 0o644)
	flat := filepath.Join(dir, "flat.qcow2")
	if err := qemuimg.Convert(ctx, raw, flat, "qcow2", qemuimg.CompressionNone); err != nil {
		t.Fatal(err)
	}
	var outs []imageformat.Output
	for _, f := range []string{"qcow2", "raw", "vmdk", "vhd", "vhdx", "ova", "containerdisk"} {
		ext, _ := imageformat.Lookup(f)
		outs = append(outs, imageformat.Output{Format: f, Path: filepath.Join(dir, "image"+ext.Ext), Name: "image", Compression: "zstd",
			Machine: imageformat.Machine{CPUs: 1, MemoryMiB: 512, Firmware: "bios"}})
	}
	written, err := imageformat.WriteAll(ctx, imageformat.Source{Path: flat, Format: "qcow2", VirtualSize: int64(len(data))}, outs, imageformat.Options{Scratch: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var outputs []verifier.Output
	for _, w := range written[1:] {
		outputs = append(outputs, verifier.Output{Path: w.Path, Format: w.Format, SHA256: w.SHA256, ImageDigest: w.ImageDigest()})
	}
	return written[0].Path, outputs
}

func TestOutputCheckerPassesCopiesOfTheDisk(t *testing.T) {
	image, outputs := writtenOutputs(t)
	results := verifier.OutputChecker{Scratch: t.TempDir()}.Check(context.Background(), image, "qcow2", outputs)
	if len(results) != len(outputs) {
		t.Fatalf("%d results for %d outputs", len(results), len(outputs))
	}
	for i, r := range results {
		if r.Status != verifier.StatusPass || r.Type != "output" || r.Name != filepath.Base(outputs[i].Path) || r.Message != "the same disk as image.qcow2 (qemu-img compare)" {
			t.Errorf("result %+v", r)
		}
	}
	if err := verifier.OutputsErr(results); err != nil {
		t.Errorf("OutputsErr = %v", err)
	}
}

// A changed byte fails the output it is in, and only that one, naming
// it: by its checksum when the build recorded one, by its content when
// not; a missing file and a containerdisk of another image fail too.
func TestOutputCheckerFindsChanges(t *testing.T) {
	image, outputs := writtenOutputs(t)
	byFormat := map[string]*verifier.Output{}
	for i := range outputs {
		byFormat[outputs[i].Format] = &outputs[i]
	}
	flip := func(path string, at int64) {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b := make([]byte, 1)
		f.ReadAt(b, at)
		b[0] ^= 0xff
		f.WriteAt(b, at)
	}
	// The raw copy: a byte of the disk itself, its checksum unknown.
	flip(byFormat["raw"].Path, 3<<20)
	byFormat["raw"].SHA256 = ""
	// The VHDX: any byte, against the recorded checksum.
	flip(byFormat["vhdx"].Path, 100)
	// The containerdisk: the build recorded another image.
	byFormat["containerdisk"].ImageDigest = "sha256:" + strings.Repeat("0", 64)
	// The OVA: gone.
	os.Remove(byFormat["ova"].Path)

	results := verifier.OutputChecker{Scratch: t.TempDir(), Parallel: 2}.Check(context.Background(), image, "qcow2", outputs)
	want := map[string]string{
		"image.raw":               "holds another disk than image.qcow2: Content mismatch at offset 3145728!",
		"image.vhdx":              "the file changed after the build",
		"image.containerdisk.tar": "the archive holds image sha256:",
		"image.ova":               "no such file or directory",
	}
	for _, r := range results {
		msg, bad := want[r.Name]
		switch {
		case bad && (r.Status == verifier.StatusPass || !strings.Contains(r.Message, msg)):
			t.Errorf("%s: %s %q, want it to fail with %q", r.Name, r.Status, r.Message, msg)
		case !bad && r.Status != verifier.StatusPass:
			t.Errorf("%s: %s %q, want it to pass", r.Name, r.Status, r.Message)
		}
	}
	var differ *verifier.OutputsDifferError
	err := verifier.OutputsErr(results)
	if !errors.As(err, &differ) || len(differ.Failed) != 4 || !strings.Contains(err.Error(), "outputs do not hold the verified disk: image.raw: holds another disk") {
		t.Errorf("OutputsErr = %v", err)
	}
}
