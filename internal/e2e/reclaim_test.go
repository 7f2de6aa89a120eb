//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestKilledBuildsAreReclaimed kills packer and its plugins with SIGKILL
// — no clean-up runs — in three phases of a build: boot, provisioning and
// export. The next run (a verify, which reclaims as a build does) reports
// every object it reclaimed and from which build, succeeds, and leaves
// alone the objects of a build that is still provisioning; once that one
// is killed too, the run after it reclaims its objects. Afterwards nothing
// of any of them is left.
func TestKilledBuildsAreReclaimed(t *testing.T) {
	w := requireWorld(t)
	root, tmp := workDir(t)
	// The runs after the kills verify copies of the shared artifact, made
	// first: the shared pipeline's own runs would reclaim what the kills
	// leave.
	firstDir, secondDir := verifyDir(t, w, root, "first"), verifyDir(t, w, root, "second")
	before := takeSnapshot(t, w, tmp)

	start := func(name, extra, prov string) *runningPacker {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "build.pkr.hcl"), standinSource(w, name, "  "+extra+noGeneralize)+`
build {
  sources = ["source.centos-libvirt.`+name+`"]
  provisioner "shell" { inline = [`+prov+`] }
}
`)
		return startPacker(t, w, dir, tmp, nil, "build", ".")
	}
	kill := func(p *runningPacker, phase string) {
		p.kill()
		out, _ := p.wait(t, time.Minute)
		t.Logf("packer build, killed in %s:\n%s", phase, out)
	}

	// The export and provisioning builds boot side by side; the boot one
	// dies as soon as its domain starts.
	export := start("killexport", `disk_compression = "zlib"`, `"true"`)
	live := start("killprov", "", `"echo provisioning-started", "sleep 900"`)
	boot := start("killboot", "", `"true"`)
	boot.waitFor(t, regexp.MustCompile(`Starting domain packer-`), 5*time.Minute)
	kill(boot, "boot")
	export.waitFor(t, regexp.MustCompile(`Writing the qcow2 output from it`), 10*time.Minute)
	kill(export, "export")
	live.waitFor(t, regexp.MustCompile(`provisioning-started`), 10*time.Minute)
	liveDomain := liveDomainOf(t, w, "killprov")

	first := reclaimingRun(t, w, firstDir, tmp)
	for _, want := range []string{
		`Reclaimed domain packer-killexport-\S+ of build "centos-libvirt.killexport"`,
		`Reclaimed DHCP reservation \S+ \(MAC \S+\) on network ` + w.network + ` of build "centos-libvirt.killexport"`,
		`Reclaimed working directory \S+ of build "centos-libvirt.killexport"`,
		`Reclaimed DHCP reservation \S+ \(MAC \S+\) on network ` + w.network + ` of build "centos-libvirt.killboot"`,
		`Reclaimed working directory \S+ of build "centos-libvirt.killboot"`,
	} {
		if !regexp.MustCompile(want + ` \(pid \d+ on .*\): process \d+ has exited`).MatchString(first) {
			t.Errorf("the first run after the kills did not report %s", want)
		}
	}
	if strings.Contains(first, "killprov") {
		t.Error("the first run reclaimed objects of the build that still runs")
	}
	if state := strings.TrimSpace(virsh(t, w, "domstate", liveDomain)); state != "running" {
		t.Errorf("the live build's domain %s is %q after the other run, want running", liveDomain, state)
	}

	kill(live, "provisioning")
	second := reclaimingRun(t, w, secondDir, tmp)
	for _, want := range []string{"domain " + liveDomain, "DHCP reservation", "working directory"} {
		if !strings.Contains(second, "Reclaimed "+want) || !strings.Contains(second, `of build "centos-libvirt.killprov"`) {
			t.Errorf("the run after the provisioning build was killed did not reclaim its %s", want)
		}
	}
	after := takeSnapshot(t, w, tmp)
	// A packer killed outright leaves its own temporary files: the log
	// its panic wrapper keeps and the shell provisioner's script. They
	// are Packer core's, and carry no record of ours.
	after.tmp = slices.DeleteFunc(after.tmp, func(name string) bool {
		return strings.HasPrefix(name, "packer-log") || strings.HasPrefix(name, "packer-shell")
	})
	assertNothingLeft(t, before, after)
	if len(after.domains) != len(before.domains) {
		t.Errorf("domains %v, before the builds %v", after.domains, before.domains)
	}
	assertNoPluginProcess(t, w)
}

// liveDomainOf is the domain of the running build named name.
func liveDomainOf(t *testing.T, w *world, name string) string {
	t.Helper()
	for _, d := range strings.Fields(virsh(t, w, "list", "--name")) {
		if strings.HasPrefix(d, "packer-"+name+"-") {
			return d
		}
	}
	t.Fatalf("no running domain of build %s", name)
	return ""
}

// verifyDir is a directory with a build that verifies a copy of the
// shared artifact.
func verifyDir(t *testing.T, w *world, root, name string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), fileArtifact(filepath.Join(dir, "image.qcow2"), artifactCopy(t, w, dir))+`
build {
  sources = ["source.file.image"]
`+verifyBlock(w, "")+`
}
`)
	return dir
}

// reclaimingRun runs the build in dir with the killed builds' TMPDIR, as
// the next run on the host, and returns its output; it must succeed.
func reclaimingRun(t *testing.T, w *world, dir, tmp string) string {
	t.Helper()
	out, code := w.packerRun(t, dir, tmp, 10*time.Minute, "build", ".")
	t.Logf("packer build in %s, after the kills:\n%s", filepath.Base(dir), out)
	if code != 0 {
		t.Fatalf("the run in %s after the kills exited %d", filepath.Base(dir), code)
	}
	return out
}
