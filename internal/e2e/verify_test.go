//go:build e2e

package e2e

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// junitSuite is the part of a JUnit report the tests read.
type junitSuite struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Cases    []struct {
		Name    string `xml:"name,attr"`
		Failure *struct {
			Message string `xml:"message,attr"`
		} `xml:"failure"`
		Error   *struct{} `xml:"error"`
		Skipped *struct{} `xml:"skipped"`
	} `xml:"testcase"`
}

// failure is the failure message of the named check, "" if it did not fail.
func (s junitSuite) failure(name string) string {
	for _, c := range s.Cases {
		if c.Name == name && c.Failure != nil {
			return c.Failure.Message
		}
	}
	return ""
}

func readJUnit(t *testing.T, path string) junitSuite {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("JUnit report: %v", err)
	}
	var doc struct {
		Suites []junitSuite `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil || len(doc.Suites) != 1 {
		t.Fatalf("JUnit report is not one testsuite (%v):\n%s", err, data)
	}
	return doc.Suites[0]
}

// assertFailsNaming requires each check to have failed with a message
// that names every one of its causes.
func (s junitSuite) assertFailsNaming(t *testing.T, causes map[string][]string) {
	t.Helper()
	for check, want := range causes {
		msg := s.failure(check)
		if msg == "" {
			t.Errorf("%s did not fail", check)
			continue
		}
		for _, cause := range want {
			if !strings.Contains(msg, cause) {
				t.Errorf("%s failed with %q, which does not name %q", check, msg, cause)
			}
		}
	}
}

// assertUntouched requires checks that no injected fault touched not to
// have failed.
func (s junitSuite) assertUntouched(t *testing.T, checks ...string) {
	t.Helper()
	for _, check := range checks {
		if s.failed(check) {
			t.Errorf("%s failed, though no fault touched it: %s", check, s.failure(check))
		}
	}
}

func (s junitSuite) has(name string) bool {
	for _, c := range s.Cases {
		if c.Name == name {
			return true
		}
	}
	return false
}

func (s junitSuite) failed(name string) bool {
	for _, c := range s.Cases {
		if c.Name == name {
			return c.Failure != nil || c.Error != nil
		}
	}
	return false
}

func (s junitSuite) skipped(name string) bool {
	for _, c := range s.Cases {
		if c.Name == name {
			return c.Skipped != nil
		}
	}
	return false
}

// fileArtifact is a build with Packer's file builder copying image: an
// artifact from another builder, as centos-verify meets in existing
// pipelines.
func fileArtifact(target, image string) string {
	return `
source "file" "image" {
  source = "` + image + `"
  target = "` + target + `"
}
`
}

// keepArtifact is a second post-processor sequence that keeps the build's
// artifact: Packer deletes it after a failed post-processor otherwise, and
// these tests look at it afterwards.
const keepArtifact = `
  post-processor "shell-local" {
    inline              = ["true"]
    keep_input_artifact = true
  }
`

// noReboot leaves out verify's second boot, which costs some 30 s under
// TCG, where it is not what a test is about: verifyBlock has it, and the
// tests of the second boot take it out.
const noReboot = "    reboot       = false\n"

// verifyFileTemplate is a build that copies src to image with Packer's
// file builder and verifies it, with extra in the verify block.
func verifyFileTemplate(w *world, image, src, extra string) string {
	return fileArtifact(image, src) + `
build {
  sources = ["source.file.image"]
` + verifyBlock(w, extra) + `
}
`
}

func verifyBlock(w *world, extra string) string {
	return keepArtifact + `
  post-processor "centos-verify" {
    domain_type  = "qemu"
    network      = "` + w.network + `"
    libvirt_uri  = "` + w.uri + `"
    memory       = 1024
    report_junit = "reports/verify.xml"
` + noReboot + extra + `
  }
`
}

// TestVerifyImageThatDoesNotBoot: an image with no operating system fails
// verify within ssh_timeout, saying how far the guest got and showing its
// serial console, and the JUnit report carries the failure too.
func TestVerifyImageThatDoesNotBoot(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	blank := filepath.Join(dir, "blank.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", blank, "64M").CombinedOutput(); err != nil {
		t.Fatalf("make blank image: %v\n%s", err, out)
	}
	sum := fileSHA256(t, blank)
	image := filepath.Join(dir, "image.qcow2")
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), verifyFileTemplate(w, image, blank, `    ssh_timeout = "15s"
    report_html = "reports/verify.html"`))
	before := takeSnapshot(t, w, tmp)
	out, code := w.packerRun(t, dir, tmp, 5*time.Minute, "build", ".")
	t.Logf("packer build:\n%s", out)
	if code == 0 {
		t.Fatal("verify of an image that does not boot succeeded")
	}
	for _, want := range []string{"the image did not come up", "never took a DHCP lease", "serial console"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if !readJUnit(t, filepath.Join(dir, "reports", "verify.xml")).failed("boot") {
		t.Error("JUnit report does not record the failed boot")
	}
	// The HTML page shows why, with the console's end.
	html, err := os.ReadFile(filepath.Join(dir, "reports", "verify.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FAILED", "Why verification stopped", "never took a DHCP lease", "serial console"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the HTML report does not say %q", want)
		}
	}
	if fileSHA256(t, image) != sum {
		t.Error("verify changed the image")
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

// TestVerifyNamesBootFailure: a copy of the clean artifact whose
// /etc/fstab names a disk the guest does not have — written offline, as
// a broken image from another pipeline would come — fails verify as soon
// as the guest enters emergency mode, long before its ssh_timeout, naming
// the cause, the missing device and the fix, with the console tail.
func TestVerifyNamesBootFailure(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	const uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	copied := artifactCopy(t, w, dir)
	disk := openGuestDisk(t, copied)
	fstab, err := disk.file("/etc/fstab")
	if err != nil {
		t.Fatal(err)
	}
	fstab += "UUID=" + uuid + " /data ext4 defaults,x-systemd.device-timeout=5s 0 2\n"
	if err := disk.WriteFile(context.Background(), "/etc/fstab", []byte(fstab)); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.qcow2")
	if out, err := exec.Command("qemu-img", "convert", "-O", "qcow2", disk.raw, broken).CombinedOutput(); err != nil {
		t.Fatalf("convert the broken disk: %v\n%s", err, out)
	}
	os.Remove(copied)
	os.Remove(disk.raw)
	image := filepath.Join(dir, "image.qcow2")
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), verifyFileTemplate(w, image, broken, `    ssh_timeout = "10m"`))
	before := takeSnapshot(t, w, tmp)
	start := time.Now()
	out, code := w.packerRun(t, dir, tmp, 12*time.Minute, "build", ".")
	took := time.Since(start)
	t.Logf("packer build took %s:\n%s", took.Round(time.Second), out)
	if code == 0 {
		t.Fatal("verify of an image that boots into emergency mode succeeded")
	}
	for _, want := range []string{
		"the image did not come up: the guest will not reach SSH: systemd entered emergency mode",
		// systemd shortens the device's name to the console's width.
		"the device for /data (", uuid[len(uuid)-12:] + ") never appeared",
		"add `nofail` to mounts that may be absent",
		"lines of the guest's serial console",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q", want)
		}
	}
	// Half the ssh_timeout: the console named the cause, nothing waited
	// the timeout out.
	if took > 5*time.Minute {
		t.Errorf("verify took %s to fail, as if it had waited out ssh_timeout (10m)", took.Round(time.Second))
	}
	if !readJUnit(t, filepath.Join(dir, "reports", "verify.xml")).failed("boot") {
		t.Error("JUnit report does not record the failed boot")
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}
