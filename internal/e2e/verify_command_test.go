//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
)

// TestVerifyCommand runs the standalone centos-verify command, as a CI job
// without a Packer template would, on two copies of the stand-in
// pipeline's artifact: the good copy passes (exit 0) with all
// three reports, its HTML page rendered by a real headless browser showing
// the checks and the build-then-verify timeline; a broken copy (raw, with
// the provisioner's file deleted from its filesystem), checked against a
// JSON spec, fails (exit 1) naming exactly the failing check in the output
// and all three reports, and is itself unchanged; a third run interrupted
// by Ctrl-C while its guest boots exits 2. Nothing is left behind.
func TestVerifyCommand(t *testing.T) {
	w := requireWorld(t)
	p := standinPipeline(t, w)
	dir, tmp := workDir(t)
	writeFile(t, filepath.Join(dir, "verify.hcl"), pipelineSpec)
	writeFile(t, filepath.Join(dir, "verify.json"), `{
  "check": {
    "file": { "/etc/baked-by-packer": { "exists": true } },
    "service": { "ssh": { "enabled": true } }
  }
}`)
	good := filepath.Join(dir, "good")
	os.Mkdir(good, 0o755)
	image := copyArtifact(t, p, good)
	// The build's timings beside the image, as in the build's output directory.
	timings, err := os.ReadFile(filepath.Join(filepath.Dir(p.image()), timeline.FileName))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(good, timeline.FileName), string(timings))
	broken := breakCopy(t, image, filepath.Join(dir, "broken"), "/etc/baked-by-packer")

	brokenSum := fileSHA256(t, broken)

	before := takeSnapshot(t, w, tmp)
	// The post-processor's second boot is proven by the pipeline itself.
	common := []string{"--domain-type", "qemu", "--network", w.network,
		"--libvirt-uri", w.uri, "--memory", "1024", "--ssh-timeout", "4m", "--reboot=false"}
	reports := func(d string) []string {
		return []string{"--junit", filepath.Join(d, "verify.xml"), "--json", filepath.Join(d, "verify.json"), "--html", filepath.Join(d, "verify.html")}
	}
	runs := []struct {
		what string
		args []string
		out  string
		code int
		took time.Duration
	}{
		{what: "the artifact", args: append(append(append(common, "--spec", filepath.Join(dir, "verify.hcl")), reports(good)...), image)},
		// The broken copy is about its one failing check: the built-ins
		// that wait longest (cloud-init's end, rpm/dpkg verification, a
		// walk of the filesystem) are left out, which --disable-checks is for.
		{what: "the broken copy", args: append(append(append(common, "--spec", filepath.Join(dir, "verify.json"),
			"--disable-checks", "cloud_init,package_integrity,sensitive_file_modes"), reports(filepath.Dir(broken))...), broken)},
	}
	// A third run, beside the first, is interrupted (Ctrl-C) as soon as
	// its guest starts. The other two run one after the other: on two
	// cores, two TCG guests at once each take twice as long.
	interrupted := make(chan string, 1)
	go func() {
		interrupted <- interruptVerifyCommand(w, dir, tmp, append(append(common, "--spec", filepath.Join(dir, "verify.hcl")), image)...)
	}()
	for i := range runs {
		start := time.Now()
		runs[i].out, runs[i].code = runVerifyCommand(t, w, dir, tmp, runs[i].args...)
		runs[i].took = time.Since(start)
	}
	for _, r := range runs {
		t.Logf("centos-verify on %s: exit %d in %s\n%s", r.what, r.code, r.took.Round(time.Second), r.out)
	}
	t.Logf("wall time of centos-verify on the stand-in artifact (no second boot): %.1fs; on the broken raw copy (three built-ins left out): %.1fs",
		runs[0].took.Seconds(), runs[1].took.Seconds())
	if runs[0].code != 0 {
		t.Errorf("centos-verify on the verified artifact exited %d, want 0", runs[0].code)
	}
	if runs[1].code != 1 {
		t.Errorf("centos-verify on the broken copy exited %d, want 1 (a check failed)", runs[1].code)
	}
	outBroken := runs[1].out
	if msg := <-interrupted; msg != "" {
		t.Error(msg)
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
	if sum := fileSHA256(t, broken); sum != brokenSum {
		t.Errorf("verify changed the broken copy: sha256 %s, was %s", sum, brokenSum)
	}

	// The good copy: every check passed, in every report.
	suite := readJUnit(t, filepath.Join(good, "verify.xml"))
	if suite.Failures != 0 || suite.Errors != 0 || !suite.has("/etc/baked-by-packer") || !suite.has("system_running") {
		t.Errorf("JUnit of the good copy: %d tests, %d failures, %d errors", suite.Tests, suite.Failures, suite.Errors)
	}
	if doc := readJSONReport(t, filepath.Join(good, "verify.json")); !doc.OK {
		t.Errorf("JSON report of the good copy is not ok")
	}
	// The broken copy: the one check its breakage touches failed, in
	// all three reports, and the command said which.
	bdir := filepath.Dir(broken)
	if s := readJUnit(t, filepath.Join(bdir, "verify.xml")); !s.failed("/etc/baked-by-packer") || s.failed("ssh") || s.Failures != 1 {
		t.Errorf("JUnit of the broken copy: %d failures, /etc/baked-by-packer failed: %v, ssh failed: %v; want exactly /etc/baked-by-packer",
			s.Failures, s.failed("/etc/baked-by-packer"), s.failed("ssh"))
	}
	doc := readJSONReport(t, filepath.Join(bdir, "verify.json"))
	if doc.OK || doc.failed() != "/etc/baked-by-packer" {
		t.Errorf("JSON report of the broken copy: ok %v, failed %q; want /etc/baked-by-packer", doc.OK, doc.failed())
	}
	html, err := os.ReadFile(filepath.Join(bdir, "verify.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`<tr class="fail"><td><span class="badge fail">FAIL</span></td><td>file</td><td class="check-name">/etc/baked-by-packer`).Match(html) {
		t.Error("the broken copy's HTML report does not show /etc/baked-by-packer failed")
	}
	if !strings.Contains(outBroken, "FAIL file /etc/baked-by-packer: expected /etc/baked-by-packer to exist") {
		t.Error("the command's output does not name the failed check")
	}

	// The good copy's page in a real browser: the rendered DOM has the
	// checks and the timeline (the build's phases from the file beside the
	// image, then verify's), and a screenshot of it is not blank.
	dom, shot := renderInBrowser(t, filepath.Join(good, "verify.html"))
	for _, want := range []string{`id="verdict"`, "PASSED", `<td class="check-name">/etc/baked-by-packer`, `<td class="check-name">system_running`,
		`<svg id="timeline"`, "build: provision", "verify: boot→lease", "checks, lane 1", `<svg id="checks-timeline"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	if n := strings.Count(dom, `class="phase-build"`); n < 8 {
		t.Errorf("the rendered timeline has %d build phases, want the build's 8 or more", n)
	}
	assertNotBlank(t, shot)
}

// runVerifyCommand runs centos-verify inside the world with dir's TMPDIR.
// It may run on a goroutine of its own: a command that cannot be run at
// all is exit status -1, with why in the output.
func runVerifyCommand(t *testing.T, w *world, dir, tmp string, args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.verifyCommand, args...)
	cmd.Dir = dir
	cmd.Env = w.runEnv(dir, tmp, nil)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		return fmt.Sprintf("run centos-verify: %v\n%s", err, out), -1
	}
	return string(out), 0
}

// interruptVerifyCommand runs centos-verify, sends it SIGINT (Ctrl-C) as
// soon as it starts the guest, and says what is wrong with how it ended:
// it must stop, exit 2 and say it was cancelled ("" when all is well).
func interruptVerifyCommand(w *world, dir, tmp string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.verifyCommand, args...)
	cmd.Dir = dir
	cmd.Env = w.runEnv(dir, tmp, nil)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return fmt.Sprintf("start centos-verify: %v", err)
	}
	var out strings.Builder
	scanned := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for once := false; sc.Scan(); {
			out.WriteString(sc.Text() + "\n")
			if !once && strings.HasPrefix(sc.Text(), "Starting domain ") {
				once = true
				close(started)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { err := cmd.Wait(); pw.Close(); done <- err }()
	select {
	case <-started:
		cmd.Process.Signal(os.Interrupt)
	case err := <-done:
		<-scanned
		return fmt.Sprintf("centos-verify ended (%v) before it started the guest:\n%s", err, out.String())
	}
	err := <-done
	<-scanned
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 2 || !strings.Contains(out.String(), "verify was cancelled") {
		return fmt.Sprintf("interrupted centos-verify exited %d (want 2, saying it was cancelled):\n%s", code, out.String())
	}
	return ""
}

// breakCopy writes a raw copy of image into dir with path deleted from the
// root filesystem (debugfs on the partition, at its offset: no mount, no
// root-only loop device).
func breakCopy(t *testing.T, image, dir, path string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "broken.raw")
	if out, err := exec.Command("qemu-img", "convert", "-O", "raw", image, raw).CombinedOutput(); err != nil {
		t.Fatalf("convert to raw: %v\n%s", err, out)
	}
	out, err := exec.Command("sfdisk", "-J", raw).Output()
	if err != nil {
		t.Fatalf("sfdisk -J: %v", err)
	}
	var table struct {
		PartitionTable struct {
			SectorSize int64 `json:"sectorsize"`
			Partitions []struct {
				Start, Size int64
				Type        string
			} `json:"partitions"`
		} `json:"partitiontable"`
	}
	if err := json.Unmarshal(out, &table); err != nil {
		t.Fatalf("sfdisk -J: %v\n%s", err, out)
	}
	var start, size int64
	for _, p := range table.PartitionTable.Partitions {
		if p.Type == "83" && p.Size > size {
			start, size = p.Start, p.Size
		}
	}
	if size == 0 {
		t.Fatalf("no Linux partition in %s:\n%s", raw, out)
	}
	fs := fmt.Sprintf("%s?offset=%d", raw, start*table.PartitionTable.SectorSize)
	if out, err := exec.Command("debugfs", "-w", "-R", "rm "+path, fs).CombinedOutput(); err != nil || bytes.Contains(out, []byte("not found")) {
		t.Fatalf("debugfs rm %s: %v\n%s", path, err, out)
	}
	if out, _ := exec.Command("debugfs", "-R", "stat "+path, fs).CombinedOutput(); !bytes.Contains(out, []byte("not found")) {
		t.Fatalf("%s is still in the broken copy:\n%s", path, out)
	}
	return raw
}

type jsonReport struct {
	OK      bool `json:"ok"`
	Results []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"results"`
}

// failed lists the failed checks' names.
func (r jsonReport) failed() string {
	var names []string
	for _, res := range r.Results {
		if res.Status == "fail" || res.Status == "error" {
			names = append(names, res.Name)
		}
	}
	return strings.Join(names, ",")
}

func readJSONReport(t *testing.T, path string) jsonReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r jsonReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// renderInBrowser opens page in Debian's headless chromium and returns
// the DOM it rendered and a screenshot of it.
func renderInBrowser(t *testing.T, page string) (string, []byte) {
	t.Helper()
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed; internal/testworld/install-deps.sh installs it")
	}
	profile := t.TempDir()
	shot := filepath.Join(profile, "page.png")
	// Root runs chromium only without its sandbox; the page has no script.
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile, "--window-size=1100,1600"}
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, browser, append(flags, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+profile)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	dom := run("--dump-dom", "file://"+page)
	run("--screenshot="+shot, "file://"+page)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	return string(dom), data
}

// assertNotBlank requires the screenshot to show the page: the verdict's
// green banner and a good share of pixels that are not background.
func assertNotBlank(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	var inked, green, total int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			total++
			if r < 235 || g < 235 || bl < 235 {
				inked++
			}
			// The PASSED banner's #1f7a3a.
			if r < 60 && g > 100 && g < 150 && bl < 90 {
				green++
			}
		}
	}
	t.Logf("screenshot %dx%d: %.1f%% of pixels inked, %d banner-green", b.Dx(), b.Dy(), 100*float64(inked)/float64(total), green)
	if inked*100 < total*3 || green < 500 {
		t.Errorf("the screenshot looks blank: %d of %d sampled pixels inked, %d banner-green", inked, total, green)
	}
}
