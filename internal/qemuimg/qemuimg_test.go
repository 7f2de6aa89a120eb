package qemuimg

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func requireQemuImg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		t.Skip("qemu-img not installed")
	}
}

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestOverlayConvertRoundTrip(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	base := filepath.Join(dir, "base.raw")
	if err := os.WriteFile(base, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	before := sum(t, base)

	overlay := filepath.Join(dir, "work.qcow2")
	if err := CreateOverlay(ctx, overlay, base, "raw", 8<<20); err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfo(ctx, overlay)
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != "qcow2" || info.VirtualSize != 8<<20 || info.BackingFile != base {
		t.Errorf("overlay info = %+v, want qcow2 of 8 MiB backed by %s", info, base)
	}

	for _, tc := range []struct{ format, compression string }{
		{"qcow2", CompressionZstd}, {"qcow2", CompressionZlib}, {"qcow2", CompressionNone}, {"raw", ""},
	} {
		out := filepath.Join(dir, "out-"+tc.format+tc.compression)
		if err := Convert(ctx, overlay, out, tc.format, tc.compression); err != nil {
			t.Fatal(err)
		}
		got, err := ReadInfo(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		if got.Format != tc.format || got.BackingFile != "" || got.VirtualSize != 8<<20 {
			t.Errorf("%s/%s export info = %+v, want flattened %s of 8 MiB", tc.format, tc.compression, got, tc.format)
		}
	}
	if sum(t, base) != before {
		t.Error("the backing image changed")
	}
}

func TestErrorsNameTheWork(t *testing.T) {
	requireQemuImg(t)
	_, err := ReadInfo(context.Background(), "/nonexistent/image.qcow2")
	if err == nil {
		t.Fatal("ReadInfo of a missing file succeeded")
	}
	if want := "inspect image /nonexistent/image.qcow2"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestCreateBlank(t *testing.T) {
	requireQemuImg(t)
	path := filepath.Join(t.TempDir(), "disk.qcow2")
	if err := CreateBlank(context.Background(), path, 20<<20); err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfo(context.Background(), path)
	if err != nil || info.Format != "qcow2" || info.VirtualSize != 20<<20 || info.BackingFile != "" {
		t.Errorf("blank disk info = %+v, %v", info, err)
	}
}

func TestConversionOptionsAndProgress(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.raw")
	if err := os.WriteFile(src, []byte("boot sector"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(src, 4<<20); err != nil {
		t.Fatal(err)
	}
	var seen []float64
	dst := filepath.Join(dir, "out.vmdk")
	c := Conversion{Src: src, SrcFormat: "raw", Dst: dst, Format: "vmdk", Options: []string{"subformat=streamOptimized"},
		Progress: func(done float64) { seen = append(seen, done) }}
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(Binary, "info", "--output=json", dst).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"create-type": "streamOptimized"`) {
		t.Errorf("the vmdk is not streamOptimized:\n%s", out)
	}
	if len(seen) == 0 || seen[len(seen)-1] != 1 {
		t.Errorf("progress reports %v, want them to end at 1", seen)
	}
}

func TestParseProgress(t *testing.T) {
	for _, tt := range []struct {
		line string
		want float64
		ok   bool
	}{
		{"    (12.50/100%)", 0.125, true},
		{"(100.00/100%)", 1, true},
		{"", 0, false},
		{"Warning: something", 0, false},
		{"(x/100%)", 0, false},
	} {
		got, ok := parseProgress(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseProgress(%q) = %v, %v; want %v, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// Compare finds a disk equal to itself padded with zeros, and names the
// first difference otherwise.
func TestCompare(t *testing.T) {
	requireQemuImg(t)
	ctx := context.Background()
	dir := t.TempDir()
	disk := filepath.Join(dir, "disk.raw")
	if err := os.WriteFile(disk, []byte("the disk"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Truncate(disk, 1<<20)
	padded := filepath.Join(dir, "padded.qcow2")
	if err := CreateOverlay(ctx, padded, disk, "raw", 2<<20); err != nil {
		t.Fatal(err)
	}
	if diff, err := Compare(ctx, disk, "raw", padded, "qcow2"); err != nil || diff != "" {
		t.Errorf("a disk and its zero-padded overlay: %q, %v; want the same", diff, err)
	}
	other := filepath.Join(dir, "other.raw")
	data, _ := os.ReadFile(disk)
	data[4096] = 1
	os.WriteFile(other, data, 0o644)
	diff, err := Compare(ctx, disk, "raw", other, "raw")
	if err != nil || diff != "Content mismatch at offset 4096!" {
		t.Errorf("one changed byte: %q, %v", diff, err)
	}
	if _, err := Compare(ctx, disk, "raw", filepath.Join(dir, "missing"), "raw"); err == nil || !strings.Contains(err.Error(), "compare") {
		t.Errorf("a missing image: %v", err)
	}
}
