package verify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestCheckImageUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "image.qcow2")
	os.WriteFile(path, []byte("before"), 0o644)
	ctx := context.Background()
	sum, _, err := ctxio.SHA256File(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := &verifyRun{image: artifact.Image{Path: path, SHA256: sum}}
	if err := r.checkImageUnchanged(ctx); err != nil {
		t.Fatalf("unchanged image reported changed: %v", err)
	}
	os.WriteFile(path, []byte("after"), 0o644)
	if err := r.checkImageUnchanged(ctx); err == nil || !strings.Contains(err.Error(), "the image changed during verification") {
		t.Errorf("changed image not caught: %v", err)
	}
}

func TestWriteReportsWhenTheGuestNeverCameUp(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
	cfg := &Config{ChecksConfig: ChecksConfig{ReportJUnit: filepath.Join(dir, "r", "verify.xml"), ReportJSON: filepath.Join(dir, "verify.json"),
		ReportHTML: filepath.Join(dir, "verify.html")}}
	build := `{"schema_version":1,"component":"build","started":"2026-12-01T02:00:00Z","total_seconds":80,"phases":[{"name":"provision","start_seconds":50,"duration_seconds":6}]}`
	r := &verifyRun{Run: &guestrun.Run{UI: ui, Timings: guestrun.NewTimings(time.Now())}, config: cfg,
		image:        artifact.Image{Path: "/images/x.qcow2", PhaseTimings: build},
		imageResults: []verifier.Result{{Type: "image", Name: "format", Status: verifier.StatusPass}}}
	r.Timings.Add("boot→SSH", 15*time.Second)
	files, err := r.writeReports(errors.New("the image did not come up: no DHCP lease\nserial console:\n  No bootable device."), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("files = %v, want the three reports", files)
	}
	// The page shows the whole failure, console tail included, and the
	// build's phases before verify's.
	html, _ := os.ReadFile(cfg.ReportHTML)
	for _, want := range []string{"No bootable device.", "build: provision", "verify: boot→SSH", "FAILED"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	junit, _ := os.ReadFile(cfg.ReportJUnit)
	if !bytes.Contains(junit, []byte(`name="boot"`)) || !bytes.Contains(junit, []byte("the image did not come up: no DHCP lease")) {
		t.Errorf("JUnit report lacks the boot failure:\n%s", junit)
	}
	if !strings.Contains(out.String(), "ERROR  builtin  boot") {
		t.Errorf("summary lacks the boot failure:\n%s", out.String())
	}
}

func TestArtifactAddsReports(t *testing.T) {
	in := &packersdk.MockArtifact{FilesValue: []string{"out/x.qcow2"}}
	a := &Artifact{Artifact: in, image: "out/x.qcow2", reports: []string{"reports/verify.xml"}, summary: "3 checks: 3 passed"}
	if files := a.Files(); len(files) != 2 || files[1] != "reports/verify.xml" {
		t.Errorf("Files() = %v", files)
	}
	if s := a.String(); s != "out/x.qcow2 verified: 3 checks: 3 passed" {
		t.Errorf("String() = %q", s)
	}
	if a.BuilderId() != in.BuilderId() {
		t.Error("the builder id of the input artifact is not passed on")
	}
}
