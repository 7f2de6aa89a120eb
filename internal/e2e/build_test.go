//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// standinSource is a centos-libvirt source for the stand-in guest in the
// test world: TCG, the world's network, a non-root user created by
// cloud-init as on CentOS cloud images.
func standinSource(w *world, name string, extra string) string {
	return standinSourceFrom(w, name, fmt.Sprintf("%q", w.image), fmt.Sprintf("%q", "sha256:"+w.imageSHA256), `"cloud-user"`, extra)
}

// standinSourceFrom is standinSource with the image, its checksum and the
// user as HCL expressions, such as a data source's outputs.
func standinSourceFrom(w *world, name, image, checksum, user, extra string) string {
	return fmt.Sprintf(`
source "centos-libvirt" %q {
  source_image_url      = %s
  source_image_checksum = %s
  domain_type           = "qemu"
  network               = %q
  libvirt_uri           = %q
  cpus                  = 2
  memory                = 1024
  disk_size             = "3G"
  ssh_username          = %s
  ssh_timeout           = "4m"
  shutdown_timeout      = "2m"
%s
}
`, name, image, checksum, w.network, w.uri, user, extra)
}

// noGeneralize is for builds that do not test generalize and are not
// verified: generalize first waits for the guest's boot to finish, which
// under TCG costs 10-20 s of every build.
const noGeneralize = "\n  generalize = false"

const requiredPlugins = `
packer {
  required_plugins {
    centos = {
      source  = "github.com/packer-centos/centos"
      version = ">= 0.1.0"
    }
  }
}
`

// pipelineTemplate is the whole pipeline of a user: the newest dated
// Stream 9 image found by the centos-image data source on the world's
// CentOS mirror (the stand-in, under a CentOS name), built with a
// provisioner into every target's format (the containerdisk pushed to the
// world's registry), then verified by centos-verify with a spec file and
// an inline check, reports in JUnit, JSON and HTML.
func pipelineTemplate(w *world, mirrorURL, repository string) string {
	return requiredPlugins + `
data "centos-image" "stream9" {
  version = "stream9"
  mirror  = "` + mirrorURL + `"
}
` + standinSourceFrom(w, "standin", "data.centos-image.stream9.url", "data.centos-image.stream9.checksum",
		"data.centos-image.stream9.ssh_username", everyExport(repository)) + `
build {
  sources = ["source.centos-libvirt.standin"]
  provisioner "shell" {
    inline = ["echo baked | sudo tee /etc/baked-by-packer"]
  }
  post-processor "centos-verify" {
    spec         = "verify.hcl"
    domain_type  = "qemu"
    network      = "` + w.network + `"
    libvirt_uri  = "` + w.uri + `"
    memory       = 1024
    ssh_timeout  = "4m"
    report_junit = "reports/verify.xml"
    report_json  = "reports/verify.json"
    report_html  = "reports/verify.html"
    check_command {
      name   = "kernel"
      run    = "uname -s"
      stdout = "Linux"
    }
  }
}
`
}

const pipelineSpec = `
check "file" "/etc/baked-by-packer" {
  exists   = true
  mode     = "0644"
  owner    = "root"
  contains = ["baked"]
}
check "service" "ssh" {
  enabled = true
  running = true
  retry   = true
}
check "port" "ssh" {
  port      = 22
  listening = true
}
check "package" "openssh-server" { installed = true }
# cloud-user is the build's own login (the stand-in's default user is
# debian): generalize's user-account operation removes it.
check "user" "cloud-user" { exists = false }
`

// everyExport is an export block for each format, the qcow2 first (the
// primary), the containerdisk pushed to repository.
func everyExport(repository string) string {
	return `
  export { format = "qcow2" }
  export { format = "raw" }
  export { format = "vmdk" }
  export { format = "vhd" }
  export { format = "vhdx" }
  export { format = "gce" }
  export { format = "ova" }
  export {
    format     = "containerdisk"
    repository = "` + repository + `"
  }`
}

// pipelineRun is one run of a pipeline template and what the world
// looked like around it.
type pipelineRun struct {
	name         string // the source's: the artifact is output-<name>/<name>.qcow2
	dir, tmp     string
	out          string
	code         int
	took         time.Duration
	sourceBefore string
	before       snapshot
	after        snapshot
}

// image is the verified artifact.
func (p *pipelineRun) image() string {
	return filepath.Join(p.dir, "output-"+p.name, p.name+".qcow2")
}

// pipelines are the pipeline runs of the whole test run, one per name:
// a build costs minutes, and most tests need only a clean artifact, not
// a build of their own.
var pipelines struct {
	mu   sync.Mutex
	runs map[string]*sharedRun
}

type sharedRun struct {
	once sync.Once
	run  *pipelineRun
	err  error
}

// sharedPipeline runs packer init and build in a directory holding files
// (the template among them) the first time it is called for name, and
// returns that run ever after. source is the image the build starts
// from, which must not change.
func sharedPipeline(t *testing.T, w *world, name, source string, files, env map[string]string) *pipelineRun {
	t.Helper()
	pipelines.mu.Lock()
	if pipelines.runs == nil {
		pipelines.runs = map[string]*sharedRun{}
	}
	r := pipelines.runs[name]
	if r == nil {
		r = &sharedRun{}
		pipelines.runs[name] = r
	}
	pipelines.mu.Unlock()
	r.once.Do(func() { r.run, r.err = runPipeline(t, w, name, source, files, env) })
	if r.err != nil {
		t.Fatalf("the %s pipeline could not run: %v", name, r.err)
	}
	return r.run
}

func runPipeline(t *testing.T, w *world, name, source string, files, env map[string]string) (*pipelineRun, error) {
	dir, err := os.MkdirTemp("/var/tmp", "packer-centos-e2e-"+name+"-")
	if err != nil {
		return nil, err
	}
	os.Chmod(dir, 0o755)
	p := &pipelineRun{name: name, dir: dir, tmp: filepath.Join(dir, "tmp")}
	if err := os.Mkdir(p.tmp, 0o755); err != nil {
		return p, err
	}
	for file, text := range files {
		writeFile(t, filepath.Join(dir, file), text)
	}
	p.sourceBefore = fileSHA256(t, source)
	p.before = takeSnapshot(t, w, p.tmp)
	if out, code := w.packerRun(t, dir, p.tmp, time.Minute, "init", "."); code != 0 {
		return p, fmt.Errorf("packer init failed (%d):\n%s", code, out)
	}
	start := time.Now()
	p.out, p.code = w.packerRunEnv(t, dir, p.tmp, 10*time.Minute, env, "build", ".")
	p.took = time.Since(start)
	p.after = takeSnapshot(t, w, p.tmp)
	return p, nil
}

// standinRepository is where the stand-in pipeline pushes its
// containerdisk, on the world's registry.
const standinRepository = "/images/centos-stream9:e2e"

// standinPipeline is pipelineTemplate's run. TestBuildAndVerifyStandIn
// proves it; artifactCopy hands its image to other tests.
func standinPipeline(t *testing.T, w *world) *pipelineRun {
	t.Helper()
	reg := w.registry(t)
	return sharedPipeline(t, w, "standin", w.image,
		map[string]string{"verify.hcl": pipelineSpec, "build.pkr.hcl": pipelineTemplate(w, w.centosMirror(t).url, reg.host+standinRepository)},
		reg.env())
}

// artifactCopy is a copy, in the test's own directory, of the image the
// stand-in pipeline built and verified, for tests that verify or break an
// artifact.
func artifactCopy(t *testing.T, w *world, dir string) string {
	t.Helper()
	return copyArtifact(t, standinPipeline(t, w), dir)
}

// copyArtifact copies p's verified image into dir.
func copyArtifact(t *testing.T, p *pipelineRun, dir string) string {
	t.Helper()
	if p.code != 0 {
		t.Fatalf("the %s pipeline failed (exit %d), so there is no artifact to copy:\n%s", p.name, p.code, p.out)
	}
	dst := filepath.Join(dir, "artifact.qcow2")
	if out, err := exec.Command("cp", "--sparse=always", p.image(), dst).CombinedOutput(); err != nil {
		t.Fatalf("copy the artifact: %v\n%s", err, out)
	}
	return dst
}

// removeShared removes what the shared pipelines left for other tests.
func removeShared() {
	pipelines.mu.Lock()
	defer pipelines.mu.Unlock()
	for _, r := range pipelines.runs {
		if r.run != nil {
			os.RemoveAll(r.run.dir)
		}
	}
}

// TestBuildAndVerifyStandIn is the whole pipeline: packer init, then a
// build of the stand-in guest whose provisioner's change is proven inside
// the artifact by reading its filesystem, then centos-verify booting the
// artifact fresh with every check passing; the checksum file matches the
// image after both, and nothing is left in libvirt or on disk.
func TestBuildAndVerifyStandIn(t *testing.T) {
	w := requireWorld(t)
	p := standinPipeline(t, w)
	out := p.out
	t.Logf("packer build took %s:\n%s", p.took.Round(time.Second), out)
	if p.code != 0 {
		t.Fatalf("packer build exited %d", p.code)
	}
	dir := p.dir

	image := p.image()
	sum := fileSHA256(t, image)
	sums, err := os.ReadFile(filepath.Join(filepath.Dir(image), "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if want := sum + "  standin.qcow2\n"; !strings.HasPrefix(string(sums), want) {
		t.Errorf("checksum file = %q, want it to start with %q", sums, want)
	}
	if !strings.Contains(out, "sha256 "+sum) {
		t.Errorf("build output does not name the artifact's sha256 %s", sum)
	}
	if !regexp.MustCompile(`Phase timings: download [0-9.]+s, disk [0-9.]+s, boot→lease [0-9.]+s, lease→SSH [0-9.]+s, provision [0-9.]+s, generalize [0-9.]+s, shutdown [0-9.]+s, export [0-9.]+s`).MatchString(out) {
		t.Errorf("build output lacks the phase timings")
	}

	disk := openGuestDisk(t, image)
	baked, err := disk.file("/etc/baked-by-packer")
	if err != nil {
		t.Fatalf("the provisioner's file is not in the artifact: %v", err)
	}
	if baked != "baked\n" {
		t.Errorf("/etc/baked-by-packer in the artifact = %q, want \"baked\\n\"", baked)
	}
	// The build logged in as cloud-user, an account its seed created
	// (the stand-in's default user is debian): generalize removed the
	// account, its home (with the build's key) and its sudo rule.
	for file, account := range map[string]string{"/etc/passwd": "cloud-user:", "/etc/shadow": "cloud-user:", "/etc/sudoers.d/90-cloud-init-users": "cloud-user "} {
		if text, err := disk.file(file); err != nil {
			t.Errorf("read %s from the artifact: %v", file, err)
		} else if strings.Contains(text, account) {
			t.Errorf("%s in the artifact still has the build's account:\n%s", file, text)
		}
	}
	if keys, err := disk.file("/home/cloud-user/.ssh/authorized_keys"); err == nil {
		t.Errorf("the build account's authorized_keys is still in the artifact:\n%s", keys)
	}

	// Generalized: nothing in the image identifies the build machine.
	if id, err := disk.file("/etc/machine-id"); err != nil || id != "" {
		t.Errorf("/etc/machine-id in the artifact = %q (%v), want an empty file", id, err)
	}
	for _, gone := range []string{"/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_ecdsa_key", "/var/lib/cloud/instance/boot-finished", "/root/.bash_history"} {
		if _, err := disk.file(gone); err == nil {
			t.Errorf("%s is still in the artifact", gone)
		}
	}

	info := qemuImgInfo(t, image)
	if info.Format != "qcow2" || info.VirtualSize != 3<<30 || info.BackingFile != "" || info.Compression != "zstd" {
		t.Errorf("artifact info = %+v, want a flattened zstd qcow2 of 3 GiB", info)
	}
	if after := fileSHA256(t, w.image); after != p.sourceBefore {
		t.Error("the source image changed during the build")
	}

	// Verify: every built-in and spec check ran in the fresh guest and
	// passed (or was skipped as not applicable), and said so in JUnit.
	suite := readJUnit(t, filepath.Join(dir, "reports", "verify.xml"))
	if suite.Failures != 0 || suite.Errors != 0 || suite.Tests < 21 {
		t.Errorf("JUnit report: %d tests, %d failures, %d errors; want >= 21 tests, none failing", suite.Tests, suite.Failures, suite.Errors)
	}
	for _, name := range append(verifier.BuiltinNames(), "/etc/baked-by-packer", "kernel") {
		if !suite.has(name) {
			t.Errorf("JUnit report lacks check %q", name)
		}
	}
	if skipped := suite.skipped("temp_key_absent"); skipped {
		t.Error("temp_key_absent was skipped: the build key did not reach verify")
	}
	// The second boot: libvirt rebooted the guest, it came back with the
	// same identity, and the time it took is reported.
	if !suite.has("second_boot") || suite.failed("second_boot") {
		t.Error("the JUnit report does not pass second_boot")
	}
	if !regexp.MustCompile(`Verify timings: .*reboot [0-9.]+s, second boot→SSH [0-9.]+s, second boot checks [0-9.]+s`).MatchString(out) {
		t.Error("verify's timings lack the second boot")
	}
	if !regexp.MustCompile(`Verified output-standin/standin.qcow2: \d+ checks: \d+ passed, 0 failed`).MatchString(out) {
		t.Errorf("build output lacks the verify verdict")
	}
	if _, err := os.Stat(filepath.Join(dir, "reports", "verify.json")); err != nil {
		t.Errorf("JSON report: %v", err)
	}
	if after := fileSHA256(t, image); after != sum {
		t.Errorf("verify changed the image: sha256 %s before, %s after", sum, after)
	}
	// Verify's overlay and seed never go next to the image.
	entries, _ := os.ReadDir(filepath.Dir(image))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := "SHA256SUMS build-timings.json standin.containerdisk.tar standin.ova standin.qcow2 standin.raw standin.tar.gz standin.vhd standin.vhdx standin.vmdk"; strings.Join(names, " ") != want {
		t.Errorf("output directory holds %v, want only the outputs, SHA256SUMS and %s", names, timeline.FileName)
	}

	// The source came from the data source: the newest dated image on
	// the mirror, pinned by its sha256, named through to verify.
	if want := "built from " + standinDated + ")"; !strings.Contains(out, want) {
		t.Errorf("verify does not name the dated image the build started from (%q)", want)
	}
	served := strings.Join(w.centosMirror(t).served(), "\n")
	for _, want := range []string{"GET /centos/9-stream/x86_64/images/CHECKSUM", "GET /centos/9-stream/x86_64/images/" + standinDated} {
		if !strings.Contains(served, want) {
			t.Errorf("the mirror did not serve %q; it served:\n%s", want, served)
		}
	}
	if strings.Contains(served, "latest") || strings.Contains(served, "20250728") {
		t.Errorf("the build fetched an image other than the newest dated one:\n%s", served)
	}
	// The build's phases, beside the image and in the HTML report.
	data, err := os.ReadFile(filepath.Join(filepath.Dir(image), timeline.FileName))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := timeline.Read(bytes.NewReader(data))
	if err != nil || rec.Component != "build" || len(rec.Phases) < 8 {
		t.Errorf("%s: %+v (%v), want the build's phases", timeline.FileName, rec, err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "reports", "verify.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PASSED", "Built from: " + standinDated, "build: provision", "build: export", "verify: boot→lease", "verify: checks", "verify: second boot→SSH", "checks, lane 2", "/etc/baked-by-packer"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	assertNothingLeft(t, p.before, p.after)
}
