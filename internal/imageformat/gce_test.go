package imageformat

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The archive is what Google's image import reads: gzip, then a GNU
// ("oldgnu") tar with exactly one file, disk.raw, holding the disk.
func TestGCEArchiveLayout(t *testing.T) {
	raw := filepath.Join(t.TempDir(), "disk.raw")
	disk := bytes.Repeat([]byte("disk"), 2048) // 8 KiB: two 4 KiB units
	if err := os.WriteFile(raw, disk, 0o644); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := writeDiskArchive(context.Background(), raw, 4096, &archive, nil); err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(&archive)
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	tarData, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	// The oldgnu magic: "ustar " then " \0", not POSIX's "ustar\0" "00".
	if magic := string(tarData[257:265]); magic != "ustar  \x00" {
		t.Errorf("tar magic %q, want GNU's %q", magic, "ustar  \x00")
	}
	tr := tar.NewReader(bytes.NewReader(tarData))
	hdr, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Name != "disk.raw" || hdr.Typeflag != tar.TypeReg || hdr.Size != int64(len(disk)) || hdr.Format != tar.FormatGNU {
		t.Errorf("entry %q type %c size %d format %v, want disk.raw, a regular file of %d bytes, GNU format", hdr.Name, hdr.Typeflag, hdr.Size, hdr.Format, len(disk))
	}
	got, _ := io.ReadAll(tr)
	if !bytes.Equal(got, disk) {
		t.Error("disk.raw does not hold the disk")
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("a second entry (%v): the archive must hold disk.raw only", err)
	}
}

func TestGCEArchiveRefuses(t *testing.T) {
	raw := filepath.Join(t.TempDir(), "disk.raw")
	os.WriteFile(raw, make([]byte, 5000), 0o644)
	if err := WriteGCEArchive(context.Background(), raw, io.Discard); err == nil || !strings.Contains(err.Error(), "not a whole number of 1073741824-byte units") {
		t.Errorf("a disk of 5000 bytes: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	os.Truncate(raw, 8192)
	if err := writeDiskArchive(ctx, raw, 4096, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled: %v", err)
	}
}

// openGCE takes only what Google's import would: disk.raw alone, GNU
// format, whole units.
func TestOpenGCERefuses(t *testing.T) {
	smallGCEUnit(t)
	disk := bytes.Repeat([]byte{1}, 2*1024*1024)
	archive := func(entries ...*tar.Header) string {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, h := range entries {
			tw.WriteHeader(h)
			tw.Write(disk[:h.Size])
		}
		tw.Close()
		gz.Close()
		path := filepath.Join(t.TempDir(), "image.tar.gz")
		os.WriteFile(path, buf.Bytes(), 0o644)
		return path
	}
	entry := func(name string, size int64, format tar.Format) *tar.Header {
		return &tar.Header{Name: name, Size: size, Mode: 0o644, Typeflag: tar.TypeReg, Format: format}
	}
	tests := []struct {
		name, path, error string
	}{
		{"good", archive(entry("disk.raw", 2<<20, tar.FormatGNU)), ""},
		{"other name", archive(entry("image.raw", 2<<20, tar.FormatGNU)), `"image.raw", not the file disk.raw`},
		{"POSIX tar", archive(entry("disk.raw", 2<<20, tar.FormatPAX)), "not GNU (oldgnu)"},
		{"partial unit", archive(entry("disk.raw", 3<<19, tar.FormatGNU)), "not a whole number"},
		{"a second file", archive(entry("disk.raw", 1<<20, tar.FormatGNU), entry("extra", 1, tar.FormatGNU)), `holds "extra" after disk.raw`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := OpenDisk(context.Background(), tt.path, "gce", t.TempDir())
			if tt.error == "" {
				if err != nil {
					t.Fatal(err)
				}
				got, _ := os.ReadFile(d.Path)
				if !bytes.Equal(got, disk) || d.Format != "raw" {
					t.Errorf("unpacked %d bytes as %s", len(got), d.Format)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.error) {
				t.Errorf("OpenDisk = %v, want %q", err, tt.error)
			}
		})
	}
}
