package imageformat

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The descriptor of a 2-CPU, 1 GiB, EFI CentOS Stream 9 machine, as
// vSphere and VirtualBox import it.
func TestOVFDescriptorGolden(t *testing.T) {
	got, err := ovfDescriptor("stream9", "stream9-disk1.vmdk", 123456789, 10*1024*1024*1024,
		Machine{CPUs: 2, MemoryMiB: 1024, Firmware: "efi", GuestOS: "centos9_64Guest"})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "stream9.ovf.golden")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("descriptor differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	// Read back with namespaces, as an importer does.
	var desc ovfRead
	if err := xml.Unmarshal(got, &desc); err != nil {
		t.Fatal(err)
	}
	if len(desc.Files) != 1 || desc.Files[0].Href != "stream9-disk1.vmdk" || desc.Files[0].Size != 123456789 || desc.Disks[0].Format != vmdkStreamType {
		t.Errorf("read back %+v", desc)
	}
}

// writeTestOVA writes an OVA of a small disk and returns its path.
func writeTestOVA(t *testing.T) string {
	t.Helper()
	src := testSource(t)
	path := filepath.Join(t.TempDir(), "image.ova")
	_, err := WriteAll(context.Background(), src, []Output{{Format: "ova", Path: path, Name: "image", Machine: Machine{CPUs: 1, MemoryMiB: 512, Firmware: "bios"}}}, Options{Scratch: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

type tarEntry struct {
	hdr  *tar.Header
	data []byte
}

func readTar(t *testing.T, path string) []tarEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []tarEntry
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		entries = append(entries, tarEntry{hdr, data})
	}
}

func writeTar(t *testing.T, path string, entries []tarEntry) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		e.hdr.Size = int64(len(e.data))
		tw.WriteHeader(e.hdr)
		tw.Write(e.data)
	}
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The OVA is a POSIX (ustar) tar: descriptor, disk, manifest, in that
// order, the manifest holding each file's SHA256.
func TestOVALayout(t *testing.T) {
	path := writeTestOVA(t)
	raw, _ := os.ReadFile(path)
	if magic := string(raw[257:263]); magic != "ustar\x00" {
		t.Errorf("tar magic %q, want POSIX ustar", magic)
	}
	entries := readTar(t, path)
	var names []string
	for _, e := range entries {
		names = append(names, e.hdr.Name)
	}
	if strings.Join(names, " ") != "image.ovf image-disk1.vmdk image.mf" {
		t.Fatalf("entries %v, want descriptor, disk, manifest", names)
	}
	manifest := string(entries[2].data)
	for _, e := range entries[:2] {
		line := "SHA256(" + e.hdr.Name + ")= " + sha256Hex(e.data) + "\n"
		if !strings.Contains(manifest, line) {
			t.Errorf("manifest lacks %q:\n%s", line, manifest)
		}
	}
	if !bytes.Contains(entries[1].data[:4], []byte("KDMV")) {
		t.Errorf("the disk is not a VMDK (magic %q)", entries[1].data[:4])
	}
	for _, want := range []string{`ovf:size="` + strconv.Itoa(len(entries[1].data)) + `"`, "<rasd:VirtualQuantity>512</rasd:VirtualQuantity>", `vmw:value="bios"`} {
		if !strings.Contains(string(entries[0].data), want) {
			t.Errorf("descriptor lacks %s", want)
		}
	}
}

// An OVA whose files do not match its manifest, or out of the order the
// specification sets, is refused, naming what is wrong.
func TestOpenOVARefuses(t *testing.T) {
	good := readTar(t, writeTestOVA(t))
	clone := func() []tarEntry {
		var c []tarEntry
		for _, e := range good {
			h := *e.hdr
			c = append(c, tarEntry{&h, append([]byte(nil), e.data...)})
		}
		return c
	}
	tests := []struct {
		name  string
		edit  func([]tarEntry) []tarEntry
		error string
	}{
		{"a flipped disk byte", func(e []tarEntry) []tarEntry { e[1].data[len(e[1].data)/2] ^= 1; return e }, "the manifest says"},
		{"manifest first", func(e []tarEntry) []tarEntry { return []tarEntry{e[2], e[0], e[1]} }, "not the OVF descriptor"},
		{"no manifest", func(e []tarEntry) []tarEntry { return e[:2] }, "no manifest"},
		{"disk after the manifest", func(e []tarEntry) []tarEntry { return []tarEntry{e[0], e[2], e[1]} }, "follows the manifest"},
		{"a stranger file", func(e []tarEntry) []tarEntry {
			return []tarEntry{e[0], e[1], {&tar.Header{Name: "x.iso", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("x")}, e[2]}
		}, `"x.iso" is neither`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.ova")
			writeTar(t, path, tt.edit(clone()))
			_, err := OpenDisk(context.Background(), path, "ova", t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tt.error) {
				t.Errorf("OpenDisk = %v, want %q", err, tt.error)
			}
		})
	}
}
