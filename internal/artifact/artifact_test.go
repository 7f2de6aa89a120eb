package artifact

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
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

func TestRead(t *testing.T) {
	requireQemuImg(t)
	dir := t.TempDir()
	qcow := filepath.Join(dir, "packer-ubuntu") // packer-plugin-qemu's default: no extension
	makeImage(t, qcow, "qcow2")
	raw := filepath.Join(dir, "disk.img")
	makeImage(t, raw, "raw")
	sums := filepath.Join(dir, "SHA256SUMS")
	os.WriteFile(sums, []byte("x"), 0o644)

	tests := []struct {
		name    string
		a       packersdk.Artifact
		want    Image
		wantErr string
	}{
		{"centos-libvirt artifact", &packersdk.MockArtifact{BuilderIdValue: BuilderID, StateValues: map[string]interface{}{
			StateImagePath: qcow, StateFormat: "qcow2", StateSHA256: "abc", StateCentOSVersion: "stream9", StateBuildKey: "ssh-ed25519 AAAA",
			StateServedFiles: "ks.cfg\nsetup.sh"}},
			Image{Path: qcow, Format: "qcow2", SHA256: "abc", CentOSVersion: "stream9", BuildKey: "ssh-ed25519 AAAA", ServedFiles: []string{"ks.cfg", "setup.sh"}}, ""},
		{"multi-output artifact", &packersdk.MockArtifact{BuilderIdValue: BuilderID, StateValues: map[string]interface{}{
			StateImagePath: qcow, StateFormat: "qcow2", StateSHA256: "abc",
			StateOutputs: `[{"format":"qcow2","path":"` + qcow + `","sha256":"abc","size":1,"virtual_size":2,"target":"KVM","primary":true},` +
				`{"format":"containerdisk","path":"/out/x.tar","sha256":"def","size":3,"virtual_size":2,"target":"KubeVirt","image_digest":"sha256:1","pushed":"r/x@sha256:1"}]`}},
			Image{Path: qcow, Format: "qcow2", SHA256: "abc", Outputs: []Output{
				{Format: "qcow2", Path: qcow, SHA256: "abc", Size: 1, VirtualSize: 2, Target: "KVM", Primary: true},
				{Format: "containerdisk", Path: "/out/x.tar", SHA256: "def", Size: 3, VirtualSize: 2, Target: "KubeVirt", ImageDigest: "sha256:1", Pushed: "r/x@sha256:1"},
			}}, ""},
		{"unreadable outputs", &packersdk.MockArtifact{BuilderIdValue: BuilderID, StateValues: map[string]interface{}{
			StateImagePath: qcow, StateFormat: "qcow2", StateOutputs: "{"}}, Image{}, "read the outputs of the artifact"},
		{"qemu artifact", &packersdk.MockArtifact{BuilderIdValue: "transcend.qemu", FilesValue: []string{sums, qcow}}, Image{Path: qcow, Format: "qcow2"}, ""},
		{"raw image file", &packersdk.MockArtifact{FilesValue: []string{sums, raw}}, Image{Path: raw, Format: "raw"}, ""},
		{"no image", &packersdk.MockArtifact{BuilderIdValue: "x.y", FilesValue: []string{sums}}, Image{}, "has no qcow2 or raw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Read(context.Background(), tt.a)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(img, tt.want) {
				t.Errorf("image = %+v, want %+v", img, tt.want)
			}
		})
	}
}
