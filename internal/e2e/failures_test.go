//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWrongChecksumFails: a source image that does not match its
// checksum stops the build before anything is booted, and says so.
func TestWrongChecksumFails(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	src := strings.Replace(standinSource(w, "badsum", ""), w.imageSHA256, strings.Repeat("0", 64), 1)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), src+`build { sources = ["source.centos-libvirt.badsum"] }`)
	before := takeSnapshot(t, w, tmp)
	out, code := w.packerRun(t, dir, tmp, 2*time.Minute, "build", ".")
	if code == 0 {
		t.Fatalf("build with a wrong checksum succeeded:\n%s", out)
	}
	if !strings.Contains(out, "error downloading source image") || !strings.Contains(out, "checksum") {
		t.Errorf("output does not say the checksum did not match:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "output-badsum")); !os.IsNotExist(err) {
		t.Error("output directory left behind")
	}
	if _, err := os.Stat(w.image); err != nil {
		t.Errorf("the source image was removed: %v", err)
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

// TestUnreachableLibvirtFails: a libvirt URI nobody answers fails the
// build at once with the reason and leaves nothing.
func TestUnreachableLibvirtFails(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	src := strings.Replace(standinSource(w, "nolibvirt", ""), `libvirt_uri           = "`+w.uri+`"`,
		`libvirt_uri           = "qemu:///system?socket=/nonexistent/libvirt-sock"`, 1)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), src+`build { sources = ["source.centos-libvirt.nolibvirt"] }`)
	before := takeSnapshot(t, w, tmp)
	out, code := w.packerRun(t, dir, tmp, time.Minute, "build", ".")
	if code == 0 {
		t.Fatalf("build against an unreachable libvirt succeeded:\n%s", out)
	}
	for _, want := range []string{"connect to libvirt at qemu:///system?socket=/nonexistent/libvirt-sock", "check that libvirtd runs"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "output-nolibvirt")); !os.IsNotExist(err) {
		t.Error("output directory left behind")
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}
