//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The RPM stand-in's tests: the CentOS-only paths of the plugin (rpm
// queries, rpm -Va and signatures, SELinux, firewalld, dnf's caches in
// generalize) against the real tools, on internal/standin/rpmguest.

// rpmWorld is w with the RPM stand-in as the source image.
func rpmWorld(w *world) *world {
	r := *w
	r.image, r.imageSHA256 = w.rpmImage, w.rpmImageSHA256
	return &r
}

// rpmProvisioner installs a package of the stand-in's signed repository
// with dnf (which picks the newest by rpm's order and checks its
// signature) and opens a firewalld service for good.
const rpmProvisioner = `
  provisioner "shell" {
    inline = [
      "set -e",
      "sudo dnf install -y standin-hello",
      "sudo firewall-cmd --permanent --add-service=http",
      "sudo firewall-cmd --reload",
    ]
  }
`

// rpmSpec holds the CentOS-side checks, each against the real tool.
const rpmSpec = `
check "package" "standin-hello" {
  installed = true
  # 1.2^20260101git5 in rpm's order: after 1.2, before 1.2.1.
  version = "> 1.2, < 1.2.1"
}
check "package" "standin-tools" { version = "= 1:2.4.1-3.st9" }
check "package" "standin-unsigned" { installed = false }
check "selinux" "mode" { mode = "enforcing" }
check "firewall" "ssh" { service = "ssh" }
check "firewall" "http" { service = "http" }
check "command" "hello" {
  run    = "standin-hello"
  stdout = "hello from standin-hello 1.2^20260101git5"
}
`

// rpmPipelineTemplate builds the RPM stand-in with rpmProvisioner and
// verifies it with rpmSpec.
func rpmPipelineTemplate(w *world) string {
	return requiredPlugins + standinSource(rpmWorld(w), "rpm", "") + `
build {
  sources = ["source.centos-libvirt.rpm"]
` + rpmProvisioner + strings.Replace(verifyBlock(w, `    spec = "verify.hcl"
    ssh_timeout = "4m"`), keepArtifact, "", 1) + `
}
`
}

// rpmPipeline is rpmPipelineTemplate's one run of the test run.
func rpmPipeline(t *testing.T, w *world) *pipelineRun {
	t.Helper()
	if w.rpmImage == "" {
		t.Fatal("the world names no RPM stand-in image (WORLD_RPM_STANDIN_IMAGE): run world.sh up")
	}
	return sharedPipeline(t, w, "rpm", w.rpmImage,
		map[string]string{"verify.hcl": rpmSpec, "build.pkr.hcl": rpmPipelineTemplate(w)}, nil)
}

// TestRPMStandInBuildAndVerify: a build of the RPM stand-in installs a
// package from the signed local repository with dnf and opens http in
// firewalld; centos-verify's package (with an rpm EVR constraint),
// selinux and firewall checks and the built-ins package_integrity (rpm
// -Va and signatures) and no_avc_denials all pass on it; generalize
// left no dnf cache and no rpm lock or journal files.
func TestRPMStandInBuildAndVerify(t *testing.T) {
	w := requireWorld(t)
	p := rpmPipeline(t, w)
	t.Logf("packer build took %s:\n%s", p.took.Round(time.Second), p.out)
	if p.code != 0 {
		t.Fatalf("packer build exited %d", p.code)
	}
	suite := readJUnit(t, filepath.Join(p.dir, "reports", "verify.xml"))
	if suite.Failures != 0 || suite.Errors != 0 {
		t.Errorf("JUnit report: %d failures, %d errors, want none", suite.Failures, suite.Errors)
	}
	for _, check := range []string{"standin-hello", "standin-tools", "standin-unsigned", "mode", "ssh", "http", "hello",
		"package_integrity", "no_avc_denials"} {
		if !suite.has(check) || suite.skipped(check) {
			t.Errorf("%s did not run", check)
		}
	}
	if !strings.Contains(p.out, "Installed:") || !strings.Contains(p.out, "standin-hello-1.2^20260101git5-1.st9.noarch") {
		t.Errorf("dnf did not install the newest standin-hello from the repository")
	}

	disk := openGuestDisk(t, p.image())
	if names, err := disk.ReadDir(context.Background(), "/var/cache/dnf"); err != nil || len(names) != 0 {
		t.Errorf("/var/cache/dnf in the artifact holds %v (%v), want nothing", names, err)
	}
	names, err := disk.ReadDir(context.Background(), "/var/lib/rpm")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, " ") != "rpmdb.sqlite" {
		t.Errorf("/var/lib/rpm in the artifact holds %v, want only rpmdb.sqlite (no locks, no WAL)", names)
	}
	if after := fileSHA256(t, w.rpmImage); after != p.sourceBefore {
		t.Error("the RPM stand-in image changed during the build")
	}
	assertNothingLeft(t, p.before, p.after)
}

// rpmFaultsProvisioner breaks, on a copy of the clean RPM artifact, one
// thing for each CentOS-side check.
const rpmFaultsProvisioner = `
  provisioner "shell" {
    inline = [
      "set -e",
      # package_integrity: a packaged file changed after install, and a
      # package nobody signed, installed with the signature check off.
      "echo tampered | sudo tee -a /usr/share/standin-tools/data.txt",
      "sudo rpm -i --force-debian --nosignature /srv/standin-faults/standin-unsigned-0.1-1.st9.noarch.rpm",
      # selinux: permissive from the next boot on.
      "sudo sed -i 's/^SELINUX=.*/SELINUX=permissive/' /etc/selinux/config",
      # no_avc_denials: a file with a wrong label, which sshd's pam_motd
      # reads at every login.
      "sudo chcon -t auditd_log_t /etc/motd",
      # firewall: the service the clean build opened, closed again.
      "sudo firewall-cmd --permanent --remove-service=http",
    ]
  }
`

// TestRPMStandInFaults: a build from the clean RPM artifact whose
// provisioner injects the faults above fails verify, and each check
// fails with a message that names its cause; the checks no fault touched
// still pass.
func TestRPMStandInFaults(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	src := *w
	src.image = copyArtifact(t, rpmPipeline(t, w), dir)
	src.imageSHA256 = fileSHA256(t, src.image)
	writeFile(t, filepath.Join(dir, "verify.hcl"), rpmSpec)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), requiredPlugins+standinSource(&src, "rpmfaults", "")+`
build {
  sources = ["source.centos-libvirt.rpmfaults"]
`+rpmFaultsProvisioner+verifyBlock(w, `    spec = "verify.hcl"
    ssh_timeout = "4m"`)+`
}
`)
	before := takeSnapshot(t, w, tmp)
	if out, code := w.packerRun(t, dir, tmp, time.Minute, "init", "."); code != 0 {
		t.Fatalf("packer init failed (%d):\n%s", code, out)
	}
	out, code := w.packerRun(t, dir, tmp, 12*time.Minute, "build", ".")
	t.Logf("packer build:\n%s", out)
	if code == 0 {
		t.Fatal("a build with every RPM fault injected passed verify")
	}
	suite := readJUnit(t, filepath.Join(dir, "reports", "verify.xml"))
	suite.assertFailsNaming(t, map[string][]string{
		"package_integrity": {"1 changed: /usr/share/standin-tools/data.txt (size, digest)",
			"1 unsigned package(s): standin-unsigned-0.1-1.st9.noarch"},
		"standin-unsigned": {"installed"},
		"mode":             {"expected SELinux enforcing, got permissive"},
		"no_avc_denials":   {"sshd (sshd_t) denied open on file /etc/motd (auditd_log_t), permissive", "restorecon"},
		"http":             {"service http"},
	})
	suite.assertUntouched(t, "standin-hello", "standin-tools", "ssh", "hello", "system_running")
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}
