package centos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mirrorTree lays the checksum fixtures out as cloud.centos.org does and
// serves it: testdata holds each release's file in its published format
// (GNU for CentOS 7, BSD with size comments for Stream; CRLF for Stream
// 8, no final newline for Stream 10).
func mirrorTree(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	root := t.TempDir()
	for fixture, path := range map[string]string{
		"centos7-sha256sum.txt":    "centos/7/images/sha256sum.txt",
		"stream8-x86_64-CHECKSUM":  "centos/8-stream/x86_64/images/CHECKSUM",
		"stream9-x86_64-CHECKSUM":  "centos/9-stream/x86_64/images/CHECKSUM",
		"stream9-aarch64-CHECKSUM": "centos/9-stream/aarch64/images/CHECKSUM",
		"stream10-x86_64-CHECKSUM": "centos/10-stream/x86_64/images/CHECKSUM",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", fixture))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// One image file, so its size comes from the server when the GNU
	// checksum file does not carry it.
	img := filepath.Join(root, "centos/7/images/CentOS-7-x86_64-GenericCloud-2211.qcow2")
	if err := os.WriteFile(img, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	t.Cleanup(srv.Close)
	return srv, root
}

// sumOf is the fixtures' digest of a name (they hash the file name).
func sumOf(name string) string {
	s := sha256.Sum256([]byte(name))
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestResolve(t *testing.T) {
	srv, root := mirrorTree(t)
	tests := []struct {
		name  string
		q     Query
		image string
		size  int64
		user  string
	}{
		{"7 newest of five, GNU format, size from the server", Query{Version: "7"},
			"CentOS-7-x86_64-GenericCloud-2211.qcow2", 4096, "centos"},
		{"7 pinned", Query{Version: "7", Compose: "2009"},
			"CentOS-7-x86_64-GenericCloud-2009.qcow2", 0, "centos"},
		{"7 aarch64", Query{Version: "7", Arch: "aarch64"},
			"CentOS-7-aarch64-GenericCloud-2211.qcow2", 0, "centos"},
		{"stream8 CRLF", Query{Version: "stream8"},
			"CentOS-Stream-GenericCloud-8-20240603.0.x86_64.qcow2", 900003000, "centos"},
		{"stream9 .10 is newer than .9", Query{Version: "stream9"},
			"CentOS-Stream-GenericCloud-9-20250812.10.x86_64.qcow2", 900005000, "cloud-user"},
		{"stream9 pinned", Query{Version: "stream9", Compose: "20250804.0"},
			"CentOS-Stream-GenericCloud-9-20250804.0.x86_64.qcow2", 900001000, "cloud-user"},
		{"stream9 aarch64 is UEFI", Query{Version: "stream9", Arch: "aarch64"},
			"CentOS-Stream-GenericCloud-9-20250811.0.aarch64.qcow2", 900001000, "cloud-user"},
		{"stream10 BIOS, no final newline", Query{Version: "stream10", Firmware: "bios"},
			"CentOS-Stream-GenericCloud-10-20250901.0.x86_64.qcow2", 900008000, "cloud-user"},
		{"stream10 UEFI has its own name and newest", Query{Version: "stream10", Firmware: "efi"},
			"CentOS-Stream-GenericCloud-x86_64-10-20250812.0.x86_64.qcow2", 900005000, "cloud-user"},
	}
	rel, err := filepath.Rel(mustGetwd(t), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, mirror := range []string{srv.URL, root, "file://" + root, rel} {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := tt.q
				q.Mirror = mirror
				img, err := Resolve(context.Background(), srv.Client(), q)
				if err != nil {
					t.Fatal(err)
				}
				if img.Name != tt.image || img.Checksum != sumOf(tt.image) || img.DefaultUser != tt.user {
					t.Errorf("Resolve = %+v, want %s (%s), user %s", img, tt.image, sumOf(tt.image), tt.user)
				}
				if !strings.HasSuffix(img.URL, "/"+tt.image) || strings.Contains(img.URL, "latest") {
					t.Errorf("URL = %s, want %s/…/%s", img.URL, mirror, tt.image)
				}
				if tt.size != 0 && img.Size != tt.size {
					t.Errorf("Size = %d, want %d", img.Size, tt.size)
				}
				if !strings.Contains(tt.image, img.Compose) || img.Compose == "" {
					t.Errorf("Compose = %q, not the one in %s", img.Compose, tt.image)
				}
			})
		}
	}
}

func TestResolveErrors(t *testing.T) {
	srv, _ := mirrorTree(t)
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"release without the arch", Query{Version: "stream10", Arch: "ppc64le"},
			[]string{`arch "ppc64le"`, "publishes no ppc64le", "aarch64, x86_64"}},
		{"release without the firmware", Query{Version: "stream9", Firmware: "efi"},
			[]string{`firmware "efi"`, "no efi GenericCloud image for x86_64", "available: bios"}},
		{"unknown version", Query{Version: "stream11"}, []string{`version "stream11"`, "7, stream8, stream9, stream10"}},
		{"compose not found lists the nearest", Query{Version: "stream9", Compose: "20250810.0"},
			[]string{"compose 20250810.0", "is not in", "CHECKSUM", "nearest: 20250811.1, 20250804.0, 20250728.0"}},
		{"compose after the newest", Query{Version: "stream9", Compose: "20260101.0"},
			[]string{"nearest: 20250812.10, 20250812.9, 20250812.0"}},
		{"malformed compose", Query{Version: "stream9", Compose: "latest"}, []string{`compose "latest" is not a compose id`}},
		{"mirror without the release", Query{Version: "stream9", Arch: "aarch64", Mirror: srv.URL + "/nothing"},
			[]string{"read checksum file", "/nothing/centos/9-stream/aarch64/images/CHECKSUM", "404", "is the mirror reachable"}},
		{"unreachable mirror", Query{Version: "stream9", Mirror: "http://127.0.0.1:1"},
			[]string{"read checksum file http://127.0.0.1:1/centos/9-stream/x86_64/images/CHECKSUM", "connection refused"}},
		{"mirror that is no URL", Query{Version: "stream9", Mirror: "ftp://x"}, []string{`mirror "ftp://x" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			if q.Mirror == "" {
				q.Mirror = srv.URL
			}
			_, err := Resolve(context.Background(), srv.Client(), q)
			if err == nil {
				t.Fatal("Resolve succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseChecksums(t *testing.T) {
	tests := []struct {
		name, text string
		want       []ChecksumEntry
		err        string
	}{
		{"GNU with binary marker and CRLF", "# made by sha256sum\r\n" + strings.Repeat("a", 64) + " *x.qcow2\r\n" + strings.Repeat("B", 40) + "  y z.img",
			[]ChecksumEntry{{Name: "x.qcow2", Algorithm: "sha256", Sum: strings.Repeat("a", 64)}, {Name: "y z.img", Algorithm: "sha1", Sum: strings.Repeat("b", 40)}}, ""},
		{"BSD with sizes, no final newline", "# x.qcow2: 42 bytes\nSHA256 (x.qcow2) = " + strings.Repeat("c", 64) + "\nSHA512 (y) = " + strings.Repeat("d", 128),
			[]ChecksumEntry{{Name: "x.qcow2", Algorithm: "sha256", Sum: strings.Repeat("c", 64), Size: 42}, {Name: "y", Algorithm: "sha512", Sum: strings.Repeat("d", 128)}}, ""},
		{"empty", "", nil, ""},
		{"neither format", "SHA256 (x) = c\nnot a checksum line\n", nil, "line 2 is neither GNU"},
		{"odd hash length", strings.Repeat("e", 50) + "  x\n", nil, "line 1: a 50-digit hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChecksums(strings.NewReader(tt.text))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
