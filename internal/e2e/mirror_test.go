//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// standinDated is the name the stand-in has on the test world's CentOS
// mirror: a dated Stream 9 GenericCloud image, as cloud.centos.org names
// them.
const standinDated = "CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2"

// centosMirror is a directory laid out like cloud.centos.org, served on
// loopback inside the test world for the whole run: Stream 9's CHECKSUM
// lists an older dated image (not on the mirror), the stand-in under
// standinDated, and a -latest alias with another digest, all in CentOS's
// BSD format with its size comments. A build that picked anything but
// the newest dated image would fail its checksum or find no file.
type centosMirror struct {
	url      string
	dir      string
	mu       sync.Mutex
	requests []string
}

var mirror struct {
	once sync.Once
	m    *centosMirror
	err  error
}

func (w *world) centosMirror(t *testing.T) *centosMirror {
	t.Helper()
	mirror.once.Do(func() { mirror.m, mirror.err = startMirror(w) })
	if mirror.err != nil {
		t.Fatalf("start the CentOS mirror: %v", mirror.err)
	}
	return mirror.m
}

func startMirror(w *world) (*centosMirror, error) {
	dir, err := os.MkdirTemp("/var/tmp", "packer-centos-e2e-mirror-")
	if err != nil {
		return nil, err
	}
	images := filepath.Join(dir, "centos", "9-stream", "x86_64", "images")
	if err := os.MkdirAll(images, 0o755); err != nil {
		return nil, err
	}
	fi, err := os.Stat(w.image)
	if err != nil {
		return nil, err
	}
	other := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	checksum := strings.Join([]string{
		"# CentOS-Stream-GenericCloud-9-20250728.0.x86_64.qcow2: 1093402624 bytes",
		"SHA256 (CentOS-Stream-GenericCloud-9-20250728.0.x86_64.qcow2) = " + other("older"),
		fmt.Sprintf("# %s: %d bytes", standinDated, fi.Size()),
		"SHA256 (" + standinDated + ") = " + w.imageSHA256,
		"# CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2: 1093402624 bytes",
		"SHA256 (CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2) = " + other("latest"),
	}, "\n") // no final newline, as some of CentOS's files
	if err := os.WriteFile(filepath.Join(images, "CHECKSUM"), []byte(checksum), 0o644); err != nil {
		return nil, err
	}
	if err := os.Symlink(w.image, filepath.Join(images, standinDated)); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &centosMirror{url: "http://" + ln.Addr().String() + "/", dir: dir}
	files := http.FileServer(http.Dir(dir))
	go http.Serve(ln, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.requests = append(m.requests, r.Method+" "+r.URL.Path)
		m.mu.Unlock()
		files.ServeHTTP(rw, r)
	}))
	cleanups = append(cleanups, func() { ln.Close(); os.RemoveAll(dir) })
	return m, nil
}

// served lists the requests the mirror answered.
func (m *centosMirror) served() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.requests...)
}
