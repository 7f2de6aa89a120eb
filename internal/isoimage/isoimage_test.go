package isoimage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReadExtract(t *testing.T) {
	if _, err := exec.LookPath("xorriso"); err != nil {
		t.Skip("xorriso not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	iso := filepath.Join(dir, "oemdrv.iso")
	files := map[string][]byte{"ks.cfg": []byte("text\npoweroff\n"), "extra.txt": []byte("x")}
	if err := Write(ctx, iso, "OEMDRV", files); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(iso); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ISO mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	id, err := VolumeID(ctx, iso)
	if err != nil || id != "OEMDRV" {
		t.Errorf("VolumeID = %q, %v; want OEMDRV", id, err)
	}
	out := filepath.Join(dir, "ks.cfg")
	if err := Extract(ctx, iso, "/ks.cfg", out); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != "text\npoweroff\n" {
		t.Errorf("extracted %q", got)
	}
	if err := Extract(ctx, iso, "/images/pxeboot/vmlinuz", filepath.Join(dir, "vmlinuz")); err == nil || !strings.Contains(err.Error(), "extract /images/pxeboot/vmlinuz") {
		t.Errorf("extracting a missing file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "iso-") {
			t.Errorf("staging dir %s left behind", e.Name())
		}
	}
}

func TestVolumeIDWithSpaces(t *testing.T) {
	if _, err := exec.LookPath("xorriso"); err != nil {
		t.Skip("xorriso not installed")
	}
	iso := filepath.Join(t.TempDir(), "c7.iso")
	if err := Write(context.Background(), iso, "CentOS 7 x86_64", map[string][]byte{"a": nil}); err != nil {
		t.Fatal(err)
	}
	if id, err := VolumeID(context.Background(), iso); err != nil || id != "CentOS 7 x86_64" {
		t.Errorf("VolumeID = %q, %v", id, err)
	}
}
