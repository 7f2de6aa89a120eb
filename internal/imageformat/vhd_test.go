package imageformat

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// vhdFrom converts a raw disk of size bytes to a VHD with qemu-img, the
// tool the export will use, so the reader is tested on real footers.
func vhdFrom(t *testing.T, size int64, opts string) string {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img is not installed")
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "disk.raw")
	if err := os.WriteFile(raw, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(raw, size); err != nil {
		t.Fatal(err)
	}
	vhd := filepath.Join(dir, "disk.vhd")
	if out, err := exec.CommandContext(context.Background(), "qemu-img", "convert", "-O", "vpc", "-o", opts, raw, vhd).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img convert: %v\n%s", err, out)
	}
	return vhd
}

func TestVHDFooterAndAzureRules(t *testing.T) {
	tests := []struct {
		name  string
		size  int64
		opts  string
		want  VHDFooter
		azure string // "" when Azure takes it
	}{
		{"fixed, whole MiB", 64 * sizes.MiB, "subformat=fixed,force_size=on", VHDFooter{CurrentSize: uint64(64 * sizes.MiB), DiskType: VHDFixed}, ""},
		{"fixed, size rounded up to MiB first", RoundUp(64*sizes.MiB+5*512, sizes.MiB), "subformat=fixed,force_size=on", VHDFooter{CurrentSize: uint64(65 * sizes.MiB), DiskType: VHDFixed}, ""},
		{"fixed, not whole MiB", 64*sizes.MiB + 512, "subformat=fixed,force_size=on", VHDFooter{CurrentSize: uint64(64*sizes.MiB + 512), DiskType: VHDFixed}, "not a whole number of MiB"},
		{"dynamic", 64 * sizes.MiB, "subformat=dynamic,force_size=on", VHDFooter{CurrentSize: uint64(64 * sizes.MiB), DiskType: VHDDynamic}, "not fixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := vhdFrom(t, tt.size, tt.opts)
			f, err := ReadVHDFooter(path)
			if err != nil {
				t.Fatal(err)
			}
			if f.CurrentSize != tt.want.CurrentSize || f.DiskType != tt.want.DiskType {
				t.Errorf("footer %+v, want size %d type %d", f, tt.want.CurrentSize, tt.want.DiskType)
			}
			fi, _ := os.Stat(path)
			err = CheckAzureVHD(f, fi.Size())
			if tt.azure == "" && err != nil {
				t.Errorf("Azure rules refuse it: %v", err)
			}
			if tt.azure != "" && (err == nil || !strings.Contains(err.Error(), tt.azure)) {
				t.Errorf("Azure rules say %v, want %q", err, tt.azure)
			}
		})
	}
}

func TestVHDFooterDamage(t *testing.T) {
	path := vhdFrom(t, 8*sizes.MiB, "subformat=fixed,force_size=on")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	footer := data[len(data)-512:]
	// One flipped size byte: the checksum no longer matches.
	footer[50] ^= 0xff
	if _, err := parseVHDFooter(footer); err == nil || !strings.Contains(err.Error(), "footer is damaged") {
		t.Errorf("damaged footer: %v", err)
	}
	// Re-checksummed, the changed size reads back and Azure's file-size rule catches it.
	binary.BigEndian.PutUint32(footer[64:68], vhdChecksum(footer))
	f, err := parseVHDFooter(footer)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckAzureVHD(f, int64(len(data))); err == nil {
		t.Error("a footer whose size is not the file's passed Azure's rules")
	}
	if _, err := parseVHDFooter(make([]byte, 512)); err == nil || !strings.Contains(err.Error(), "conectix") {
		t.Errorf("no footer: %v", err)
	}
}

func TestRoundUp(t *testing.T) {
	for _, tt := range []struct{ size, unit, want int64 }{
		{0, sizes.MiB, 0}, {1, sizes.MiB, sizes.MiB}, {sizes.MiB, sizes.MiB, sizes.MiB}, {sizes.MiB + 1, sizes.MiB, 2 * sizes.MiB}, {3*sizes.GiB + 1, sizes.GiB, 4 * sizes.GiB},
	} {
		if got := RoundUp(tt.size, tt.unit); got != tt.want {
			t.Errorf("RoundUp(%d, %d) = %d, want %d", tt.size, tt.unit, got, tt.want)
		}
	}
}
