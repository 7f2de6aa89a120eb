package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The exit status tells CI what happened without reading the output:
// these are the cases that need no guest (E2E tests boot one for 0 and 1).
func TestExitStatus(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img is not installed")
	}
	dir := t.TempDir()
	image := filepath.Join(dir, "disk.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", image, "16M").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	vmdk := filepath.Join(dir, "disk.vmdk")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "vmdk", vmdk, "16M").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	unreachable := "qemu+unix:///system?socket=" + filepath.Join(dir, "no-libvirt.sock")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"help", []string{"--help"}, 0, []string{"Usage: centos-verify [flags] IMAGE", "-spec FILE", "(default qemu:///system)", "Exit status: 0"}},
		{"version", []string{"--version"}, 0, []string{"centos-verify "}},
		{"no image", nil, 2, []string{"want exactly one IMAGE, got 0 arguments"}},
		{"two images", []string{image, image}, 2, []string{"got 2 arguments"}},
		{"unknown flag", []string{"--spek", "verify.hcl", image}, 2, []string{"flag provided but not defined: -spek"}},
		{"every mistake at once", []string{"--memory", "lots", "--domain-type", "xen", "--spec", filepath.Join(dir, "missing.hcl"), filepath.Join(dir, "missing.qcow2")}, 2,
			[]string{`--memory "lots"`, "missing.qcow2", `domain_type "xen"`, "missing.hcl"}},
		{"not qcow2 or raw", []string{vmdk}, 2, []string{"is vmdk; centos-verify boots qcow2 and raw images"}},
		{"explicit timings file missing", []string{"--build-timings", filepath.Join(dir, "none.json"), image}, 2, []string{"build timings: open"}},
		{"libvirt unreachable", []string{"--libvirt-uri", unreachable, "--domain-type", "qemu", image}, 2, []string{"no-libvirt.sock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.code {
				t.Errorf("exit status %d, want %d\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// The build's timings beside the image reach the post-processor, and an
// image from elsewhere has none.
func TestOpenImageFindsBuildTimings(t *testing.T) {
	dir := t.TempDir()
	image := filepath.Join(dir, "disk.raw")
	os.WriteFile(image, make([]byte, 1<<20), 0o644)
	a, err := openImage(context.Background(), image, "", "stream9")
	if err != nil {
		t.Fatal(err)
	}
	if a.State("phase_timings") != "" || a.State("format") != "raw" || a.State("centos_version") != "stream9" {
		t.Errorf("artifact state: timings %q, format %v, version %v", a.State("phase_timings"), a.State("format"), a.State("centos_version"))
	}
	os.WriteFile(filepath.Join(dir, "build-timings.json"), []byte(`{"schema_version":1}`), 0o644)
	if a, err = openImage(context.Background(), image, "", ""); err != nil || a.State("phase_timings") != `{"schema_version":1}` {
		t.Errorf("timings beside the image not read: %v %v", a, err)
	}
}
