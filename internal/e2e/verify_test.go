//go:build e2e

package e2e

import (
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

func verifyBlock(w *world, extra string) string {
	return keepArtifact + `
  post-processor "centos-verify" {
    domain_type  = "qemu"
    network      = "` + w.network + `"
    libvirt_uri  = "` + w.uri + `"
    memory       = 1024
    report_junit = "reports/verify.xml"
` + extra + `
  }
`
}

// TestVerifyFailingCheckFailsBuild: a JSON spec with a check the image
// fails makes packer build exit non-zero, the output and the JUnit report
// name that check, and the image is untouched.
func TestVerifyFailingCheckFailsBuild(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	writeFile(t, filepath.Join(dir, "verify.json"), `{
  "check": {
    "file": {
      "/etc/not-baked": { "exists": true }
    },
    "service": {
      "ssh": { "enabled": true }
    }
  }
}`)
	image := filepath.Join(dir, "image.qcow2")
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), fileArtifact(image, w.image)+`
build {
  sources = ["source.file.image"]
`+verifyBlock(w, `    spec = "verify.json"
    ssh_timeout = "4m"`)+`
}
`)
	before := takeSnapshot(t, w, tmp)
	out, code := w.packerRun(t, dir, tmp, 10*time.Minute, "build", ".")
	t.Logf("packer build:\n%s", out)
	if code == 0 {
		t.Fatal("build with a failing check succeeded")
	}
	if !strings.Contains(out, `FAIL file /etc/not-baked: expected`) {
		t.Errorf("output does not name the failed check")
	}
	suite := readJUnit(t, filepath.Join(dir, "reports", "verify.xml"))
	if !suite.failed("/etc/not-baked") || suite.failed("ssh") || suite.Failures != 1 {
		t.Errorf("JUnit: failures=%d, /etc/not-baked failed=%v, ssh failed=%v; want exactly /etc/not-baked failed",
			suite.Failures, suite.failed("/etc/not-baked"), suite.failed("ssh"))
	}
	if sum := fileSHA256(t, image); sum != w.imageSHA256 {
		t.Errorf("verify changed the image: sha256 %s, want %s", sum, w.imageSHA256)
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
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
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), fileArtifact(image, blank)+`
build {
  sources = ["source.file.image"]
`+verifyBlock(w, `    ssh_timeout = "15s"`)+`
}
`)
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
	if fileSHA256(t, image) != sum {
		t.Error("verify changed the image")
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}
