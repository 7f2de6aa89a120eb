package verify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/builder/libvirt"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func requireQemuImg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
}

func makeImage(t *testing.T, path, format string) {
	t.Helper()
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", format, path, "1M").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestLocateImage(t *testing.T) {
	requireQemuImg(t)
	dir := t.TempDir()
	qcow := filepath.Join(dir, "packer-ubuntu") // packer-plugin-qemu's default: no extension
	makeImage(t, qcow, "qcow2")
	raw := filepath.Join(dir, "disk.img")
	makeImage(t, raw, "raw")
	sums := filepath.Join(dir, "SHA256SUMS")
	os.WriteFile(sums, []byte("x"), 0o644)

	tests := []struct {
		name       string
		a          packersdk.Artifact
		wantPath   string
		wantFormat string
		wantSum    string
		wantErr    string
	}{
		{"centos-libvirt artifact", &packersdk.MockArtifact{BuilderIdValue: libvirt.BuilderID, StateValues: map[string]interface{}{
			libvirt.StateImagePath: qcow, libvirt.StateFormat: "qcow2", libvirt.StateSHA256: "abc"}}, qcow, "qcow2", "abc", ""},
		{"qemu artifact", &packersdk.MockArtifact{BuilderIdValue: "transcend.qemu", FilesValue: []string{sums, qcow}}, qcow, "qcow2", "", ""},
		{"raw image file", &packersdk.MockArtifact{FilesValue: []string{sums, raw}}, raw, "raw", "", ""},
		{"no image", &packersdk.MockArtifact{BuilderIdValue: "x.y", FilesValue: []string{sums}}, "", "", "", "has no qcow2 or raw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := locateImage(context.Background(), tt.a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if img.path != tt.wantPath || img.format != tt.wantFormat || img.sha256 != tt.wantSum {
				t.Errorf("image = %+v, want %s %s %s", img, tt.wantPath, tt.wantFormat, tt.wantSum)
			}
		})
	}
}

func TestCheckImageUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "image.qcow2")
	os.WriteFile(path, []byte("before"), 0o644)
	sum, err := sha256File(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &verifyRun{image: image{path: path, sha256: sum}}
	if err := r.checkImageUnchanged(); err != nil {
		t.Fatalf("unchanged image reported changed: %v", err)
	}
	os.WriteFile(path, []byte("after"), 0o644)
	if err := r.checkImageUnchanged(); err == nil || !strings.Contains(err.Error(), "the image changed during verification") {
		t.Errorf("changed image not caught: %v", err)
	}
}

func TestWriteReportsWhenTheGuestNeverCameUp(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
	cfg := &Config{ChecksConfig: ChecksConfig{ReportJUnit: filepath.Join(dir, "r", "verify.xml"), ReportJSON: filepath.Join(dir, "verify.json")}}
	r := &verifyRun{config: cfg, ui: ui, image: image{path: "/images/x.qcow2"},
		imageResults: []verifier.Result{{Type: "image", Name: "format", Status: verifier.StatusPass}}}
	files, err := r.writeReports(errors.New("the image did not come up: no DHCP lease\nlast 20 lines..."), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("files = %v, want both reports", files)
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
