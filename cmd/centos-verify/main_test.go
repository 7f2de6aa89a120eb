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

// --outputs reads the build's SHA256SUMS: every output but the image,
// its format from its name, its path beside the checksum file.
func TestReadOutputs(t *testing.T) {
	dir := t.TempDir()
	image := filepath.Join(dir, "stream9.qcow2")
	sum := strings.Repeat("ab", 32)
	sums := filepath.Join(dir, "SHA256SUMS")
	os.WriteFile(sums, []byte(sum+"  stream9.qcow2\n"+sum+"  stream9.vhd\n"+sum+" *stream9.tar.gz\n"+sum+"  stream9.containerdisk.tar\n"), 0o644)
	got, err := readOutputs(sums, image)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"format":"vhd","path":"` + dir + `/stream9.vhd","sha256":"` + sum + `","size":0,"virtual_size":0,"target":"Azure"},` +
		`{"format":"gce","path":"` + dir + `/stream9.tar.gz","sha256":"` + sum + `","size":0,"virtual_size":0,"target":"Google Compute Engine"},` +
		`{"format":"containerdisk","path":"` + dir + `/stream9.containerdisk.tar","sha256":"` + sum + `","size":0,"virtual_size":0,"target":"KubeVirt"}]`
	if got != want {
		t.Errorf("outputs\n%s\nwant\n%s", got, want)
	}
	os.WriteFile(sums, []byte(sum+"  stream9.vdi\n"+strings.Repeat("ab", 16)+"  stream9.vmdk\n"), 0o644)
	_, err = readOutputs(sums, image)
	for _, want := range []string{"cannot tell the format of stream9.vdi from its name (.qcow2, .raw,", "stream9.vmdk is listed with md5, want sha256"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	if _, err := readOutputs(filepath.Join(dir, "none"), image); err == nil || !strings.Contains(err.Error(), "outputs: open") {
		t.Errorf("a missing checksum file: %v", err)
	}
}
