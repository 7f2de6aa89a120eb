package libvirt

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
	"github.com/mitchellh/mapstructure"
	"github.com/ugorji/go/codec"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
)

func TestArtifact(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "stream9.qcow2")
	os.WriteFile(img, []byte("x"), 0o644)
	a := &Artifact{dir: dir, checksumFile: filepath.Join(dir, "SHA256SUMS"),
		outputs: []artifact.Output{
			{Format: "qcow2", Path: img, SHA256: "abc123", Size: 700 << 20, VirtualSize: 20 << 30, Target: "KVM/libvirt, OpenStack", Primary: true},
			{Format: "vhd", Path: filepath.Join(dir, "stream9.vhd"), SHA256: "def456", Size: 20<<30 + 512, VirtualSize: 20 << 30, Target: "Azure"},
			{Format: "containerdisk", Path: filepath.Join(dir, "stream9.containerdisk.tar"), SHA256: "789abc", Size: 600 << 20, VirtualSize: 20 << 30,
				Target: "KubeVirt", ImageDigest: "sha256:feed", Pushed: "registry.example.com/c@sha256:feed"},
		},
		sourceImage: "https://cloud.centos.org/x.qcow2", centosVersion: "stream9"}
	want := "qcow2 image " + img + " (700 MiB on disk, 20 GiB virtual), sha256 abc123" +
		"\n  vhd for Azure: " + dir + "/stream9.vhd (20 GiB), sha256 def456" +
		"\n  containerdisk for KubeVirt: " + dir + "/stream9.containerdisk.tar (600 MiB), sha256 789abc, pushed as registry.example.com/c@sha256:feed" +
		"\n  checksums: " + dir + "/SHA256SUMS"
	if s := a.String(); s != want {
		t.Errorf("String() = %q\nwant %q", s, want)
	}
	if files := a.Files(); len(files) != 4 || files[0] != img || files[3] != filepath.Join(dir, "SHA256SUMS") {
		t.Errorf("Files() = %v", files)
	}
	if a.Id() != img {
		t.Errorf("Id() = %s, want the primary", a.Id())
	}
	for key, want := range map[string]string{
		artifact.StateImagePath: img, artifact.StateFormat: "qcow2", artifact.StateSHA256: "abc123",
		artifact.StateSourceImage: "https://cloud.centos.org/x.qcow2", artifact.StateCentOSVersion: "stream9",
	} {
		if got := a.State(key); got != want {
			t.Errorf("State(%q) = %v, want %q", key, got, want)
		}
	}
	// What a post-processor reads back.
	read, err := artifact.Read(context.Background(), a)
	if err != nil || len(read.Outputs) != 3 || read.Outputs[2].Pushed != "registry.example.com/c@sha256:feed" || read.Path != img {
		t.Errorf("artifact.Read = %+v, %v", read, err)
	}
	if err := a.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("Destroy left the output directory")
	}
}

// The HCP Packer metadata has one entry per output, and survives the
// way to Packer core: the plugin RPC's msgpack, then core's decoder.
func TestArtifactRegistryImages(t *testing.T) {
	a := &Artifact{outputs: []artifact.Output{
		{Format: "qcow2", Path: "/o/x.qcow2", SHA256: "aa", Target: "KVM/libvirt, OpenStack", Primary: true},
		{Format: "vmdk", Path: "/o/x.vmdk", SHA256: "bb", Target: "VMware vSphere, AWS VM Import"},
		{Format: "containerdisk", Path: "/o/x.containerdisk.tar", SHA256: "cc", Target: "KubeVirt", Pushed: "quay.example/c/x@sha256:dd"},
	}, sourceImage: "https://cloud.centos.org/x.qcow2", centosVersion: "stream9"}
	var wire []byte
	h := &codec.MsgpackHandle{WriteExt: true}
	if err := codec.NewEncoderBytes(&wire, h).Encode(a.State(registryimage.ArtifactStateURI)); err != nil {
		t.Fatal(err)
	}
	var state interface{}
	if err := codec.NewDecoderBytes(wire, h).Decode(&state); err != nil {
		t.Fatal(err)
	}
	var images []registryimage.Image
	if err := mapstructure.WeakDecode(state, &images); err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, provider, region, format, target, primary string }{
		{"aa", "libvirt", "local", "qcow2", "KVM/libvirt, OpenStack", "true"},
		{"bb", "vmware", "local", "vmdk", "VMware vSphere, AWS VM Import", "false"},
		{"quay.example/c/x@sha256:dd", "kubevirt", "quay.example", "containerdisk", "KubeVirt", "false"},
	}
	if len(images) != len(want) {
		t.Fatalf("%d images, want %d: %+v", len(images), len(want), images)
	}
	for i, w := range want {
		img := images[i]
		if img.ImageID != w.id || img.ProviderName != w.provider || img.ProviderRegion != w.region || img.SourceImageID != "https://cloud.centos.org/x.qcow2" ||
			img.Labels["format"] != w.format || img.Labels["target"] != w.target || img.Labels["primary"] != w.primary || img.Labels["centos_version"] != "stream9" {
			t.Errorf("image %d = %+v, want %+v", i, img, w)
		}
	}
}

func TestKeyBlob(t *testing.T) {
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0Z5QQo6oTfdKkhJmKsPs5T8x8LJmRVPtIf6PDaG3G packer\n"
	blob, err := keyBlob([]byte(key))
	if err != nil || blob != "AAAAC3NzaC1lZDI1NTE5AAAAIGb0Z5QQo6oTfdKkhJmKsPs5T8x8LJmRVPtIf6PDaG3G" {
		t.Errorf("keyBlob = %q, %v", blob, err)
	}
	if _, err := keyBlob([]byte("not a key")); err == nil {
		t.Error("keyBlob accepted garbage")
	}
}

// TestRemoveBuildKeyScriptRuns runs the removal script with sh, as
// rootCommand words it, against two home directories listed by a stand-in
// getent.
func TestRemoveBuildKeyScriptRuns(t *testing.T) {
	dir := t.TempDir()
	blob := "AAAAC3NzaC1lZDI1NTE5AAAAIGb0Z5QQo6oTfdKkhJmKsPs5T8x8LJmRVPtIf6PDaG3G"
	other := "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 admin@example"
	var homes []string
	for _, u := range []string{"alice", "bob"} {
		home := filepath.Join(dir, "home", u)
		os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
		content := other + "\nssh-ed25519 " + blob + " packer-centos-build\n"
		if err := os.WriteFile(filepath.Join(home, ".ssh", "authorized_keys"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		homes = append(homes, u+":x:1000:1000::"+home+":/bin/sh")
	}
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	getent := "#!/bin/sh\ncat <<'EOF'\n" + strings.Join(homes, "\n") + "\nEOF\n"
	if err := os.WriteFile(filepath.Join(bin, "getent"), []byte(getent), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", rootCommand("root", script("remove-build-key.sh"), blob))
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script failed: %v\n%s", err, out)
	}
	for _, u := range []string{"alice", "bob"} {
		f := filepath.Join(dir, "home", u, ".ssh", "authorized_keys")
		got, _ := os.ReadFile(f)
		if string(got) != other+"\n" {
			t.Errorf("%s authorized_keys = %q, want only the other key", u, got)
		}
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s authorized_keys mode changed to %v", u, fi.Mode().Perm())
		}
	}
}

func TestRootCommand(t *testing.T) {
	tests := []struct {
		user string
		args []string
		want string
	}{
		{"root", nil, "sh -c 'echo \"$1\"' sh"},
		{"root", []string{"a b"}, "sh -c 'echo \"$1\"' sh 'a b'"},
		{"cloud-user", []string{"it's"}, `sudo -n sh -c 'echo "$1"' sh 'it'\''s'`},
	}
	for _, tt := range tests {
		if got := rootCommand(tt.user, `echo "$1"`, tt.args...); got != tt.want {
			t.Errorf("rootCommand(%s, %q) = %s, want %s", tt.user, tt.args, got, tt.want)
		}
	}
}

func TestGeneralizeScriptIsValidShell(t *testing.T) {
	gen := generalizeScript()
	if out, err := exec.Command("sh", "-n", "-c", gen).CombinedOutput(); err != nil {
		t.Fatalf("generalize script does not parse: %v\n%s", err, out)
	}
	for _, want := range []string{"/etc/ssh/ssh_host_", "/etc/machine-id", "cloud-init clean", ".bash_history", "clean all"} {
		if !strings.Contains(gen, want) {
			t.Errorf("generalize script does not handle %s", want)
		}
	}
}

func TestGeneralizeDefaultsOn(t *testing.T) {
	off := false
	for _, tt := range []struct {
		v    *bool
		want bool
	}{{nil, true}, {&off, false}} {
		c := GeneralizeConfig{Generalize: tt.v}
		if c.generalizes() != tt.want {
			t.Errorf("generalize %v: generalizes = %v", tt.v, c.generalizes())
		}
	}
}

func TestDebugKeyIsOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build.pem")
	r, state, _ := testRun(t, nil)
	r.config.Comm.SSHPrivateKey = []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n")
	step := &stepDumpSSHKey{communicator.StepDumpSSHKey{Path: path, SSH: &r.config.Comm.SSH}}
	if got := runSteps(t, state, step); got != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("debug key mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}
