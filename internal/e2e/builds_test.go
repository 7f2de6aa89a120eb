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

// TestBuildsLeakNothing runs rounds of builds — one, then two at once,
// then one again — and watches libvirtd: after every round nothing a build
// made is left, and libvirtd's open file descriptors do not grow from
// round to round. The two parallel builds both succeed, each with its own
// domain, address and files. Build "one" is a centos_version preset on the
// world's CentOS mirror: it resolves the newest dated Stream 9 image there,
// downloads it pinned by its sha256 and says which it was.
func TestBuildsLeakNothing(t *testing.T) {
	w := requireWorld(t)
	pid := libvirtdPID(t)
	dir, tmp := workDir(t)
	preset := standinSourceFrom(w, "one", "null", "null", "null", noGeneralize+`
  centos_version = "stream9"
  centos_mirror  = "`+w.centosMirror(t).url+`"`)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), preset+standinSource(w, "two", noGeneralize)+`
build {
  sources = ["source.centos-libvirt.one", "source.centos-libvirt.two"]
  provisioner "shell" { inline = ["hostname | sudo tee /etc/built-as"] }
}
`)
	before := takeSnapshot(t, w, tmp)
	var fds []int
	for _, round := range []struct {
		name     string
		args     []string
		parallel bool
	}{
		{"one build", []string{"build", "-force", "-only=centos-libvirt.one", "."}, false},
		{"two builds at once", []string{"build", "-force", "-parallel-builds=2", "."}, true},
		{"one build again", []string{"build", "-force", "-only=centos-libvirt.one", "."}, false},
	} {
		start := time.Now()
		out, code := w.packerRun(t, dir, tmp, 15*time.Minute, round.args...)
		t.Logf("%s took %s", round.name, time.Since(start).Round(time.Second))
		if code != 0 {
			t.Fatalf("%s: packer build exited %d:\n%s", round.name, code, out)
		}
		// Every round builds "one".
		if want := "Source image: " + standinDated + " (compose 20250812.0, "; !strings.Contains(out, want) {
			t.Errorf("%s: the preset build does not say %q", round.name, want)
		}
		fds = append(fds, openFDs(t, pid))
		assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
		if round.parallel {
			assertBuiltApart(t, dir, out, "one", "two")
		}
	}
	t.Logf("libvirtd open file descriptors after each round: %v", fds)
	if fds[len(fds)-1] > fds[0]+2 {
		t.Errorf("libvirtd's open file descriptors grew from %d to %d over %d rounds", fds[0], fds[len(fds)-1], len(fds))
	}
}

// assertBuiltApart checks that builds running at once had a domain and an
// address each, and that each image is its own build's.
func assertBuiltApart(t *testing.T, dir, out string, names ...string) {
	t.Helper()
	domains := map[string]bool{}
	for _, m := range regexp.MustCompile(`Starting domain (packer-\S+)`).FindAllStringSubmatch(out, -1) {
		domains[m[1]] = true
	}
	addrs := map[string]bool{}
	for _, m := range regexp.MustCompile(`Reserved ([0-9.]+) for the guest`).FindAllStringSubmatch(out, -1) {
		addrs[m[1]] = true
	}
	if len(domains) != len(names) || len(addrs) != len(names) {
		t.Errorf("domains %v and addresses %v: want %d distinct of each", domains, addrs, len(names))
	}
	for _, name := range names {
		disk := openGuestDisk(t, filepath.Join(dir, "output-"+name, name+".qcow2"))
		if got, err := disk.file("/etc/built-as"); err != nil || strings.TrimSpace(got) != name {
			t.Errorf("%s's image was built as %q (%v)", name, got, err)
		}
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
