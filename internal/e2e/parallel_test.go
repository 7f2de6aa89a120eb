//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestParallelBuilds builds two sources at once: both succeed, with their
// own domain, address and files, and nothing is left.
func TestParallelBuilds(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), standinSource(w, "one", "")+standinSource(w, "two", "")+`
build {
  sources = ["source.centos-libvirt.one", "source.centos-libvirt.two"]
  provisioner "shell" { inline = ["hostname | sudo tee /etc/built-as"] }
}
`)
	before := takeSnapshot(t, w, tmp)
	start := time.Now()
	out, code := w.packerRun(t, dir, tmp, 15*time.Minute, "build", "-parallel-builds=2", ".")
	t.Logf("two builds in parallel took %s:\n%s", time.Since(start).Round(time.Second), out)
	if code != 0 {
		t.Fatalf("packer build exited %d", code)
	}
	domains := map[string]bool{}
	for _, m := range regexp.MustCompile(`Starting domain (packer-\S+)`).FindAllStringSubmatch(out, -1) {
		domains[m[1]] = true
	}
	addrs := map[string]bool{}
	for _, m := range regexp.MustCompile(`Reserved ([0-9.]+) for the guest`).FindAllStringSubmatch(out, -1) {
		addrs[m[1]] = true
	}
	if len(domains) != 2 || len(addrs) != 2 {
		t.Errorf("domains %v and addresses %v: want two distinct of each", domains, addrs)
	}
	for _, name := range []string{"one", "two"} {
		disk := openGuestDisk(t, filepath.Join(dir, "output-"+name, name+".qcow2"))
		if got, err := disk.file("/etc/built-as"); err != nil || strings.TrimSpace(got) != name {
			t.Errorf("%s's image was built as %q (%v)", name, got, err)
		}
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

// TestRepeatedBuildsLeakNothing runs the same build several times in a row
// and watches libvirtd: its open file descriptors and the objects a build
// makes must not grow from run to run.
func TestRepeatedBuildsLeakNothing(t *testing.T) {
	w := requireWorld(t)
	pid := libvirtdPID(t)
	dir, tmp := workDir(t)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), standinSource(w, "again", "")+`
build { sources = ["source.centos-libvirt.again"] }
`)
	before := takeSnapshot(t, w, tmp)
	var fds []int
	for i := 0; i < 3; i++ {
		if out, code := w.packerRun(t, dir, tmp, 10*time.Minute, "build", "-force", "."); code != 0 {
			t.Fatalf("build %d exited %d:\n%s", i+1, code, out)
		}
		fds = append(fds, openFDs(t, pid))
		assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
	}
	t.Logf("libvirtd open file descriptors after each build: %v", fds)
	if fds[len(fds)-1] > fds[0]+2 {
		t.Errorf("libvirtd's open file descriptors grew from %d to %d over %d builds", fds[0], fds[len(fds)-1], len(fds))
	}
}

func libvirtdPID(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/run/libvirtd.pid")
	if err != nil {
		t.Fatalf("libvirtd's pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func openFDs(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		t.Fatalf("libvirtd's file descriptors: %v", err)
	}
	return len(entries)
}
