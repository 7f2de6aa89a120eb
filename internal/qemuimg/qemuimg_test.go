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
