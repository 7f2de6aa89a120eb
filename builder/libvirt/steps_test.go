package libvirt

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun/guestruntest"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

// testRun wires a build run to the fake driver and a UI that records what
// it says, for tests of single steps.
func testRun(t *testing.T, d *fake.Driver) (*buildRun, multistep.StateBag, *bytes.Buffer) {
	t.Helper()
	out, ui := recordingUI()
	cfg := &Config{}
	raw := minimal(t)
	raw["domain_type"] = "qemu"
	raw["shutdown_timeout"] = "200ms"
	if _, err := cfg.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	g, err := guestrun.New(d, ui, "packer-test-")
	if err != nil {
		t.Fatal(err)
	}
	r := &buildRun{Run: g, config: cfg}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("ui", ui)
	return r, state, out
}

func recordingUI() (*bytes.Buffer, *packersdk.BasicUi) {
	var out bytes.Buffer
	return &out, &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
}

func stateError(state multistep.StateBag) string {
	if err, ok := state.GetOk("error"); ok {
		return err.(error).Error()
	}
	return ""
}

// runSteps runs steps like the SDK's runner: in order until one halts,
// then every started step's Cleanup in reverse.
func runSteps(t *testing.T, state multistep.StateBag, steps ...multistep.Step) multistep.StepAction {
	t.Helper()
	(&multistep.BasicRunner{Steps: steps}).Run(context.Background(), state)
	if _, halted := state.GetOk(multistep.StateHalted); halted {
		return multistep.ActionHalt
	}
	return multistep.ActionContinue
}

// The whole build of a cloud image — Builder.steps, as packer runs them —
// against the fake libvirt and an SSH server on loopback standing in for
// the guest: it exports an image when all goes well, and leaves no domain,
// reservation, volume, working file or output directory behind when it
// succeeds, fails or is cancelled.
func TestBuildLeavesNothing(t *testing.T) {
	guestruntest.RequireTools(t, "qemu-img", "xorriso")
	tests := []struct {
		name    string
		pool    string
		noSSH   bool // nothing answers on the guest's address
		cancel  bool // Ctrl-C while waiting for SSH
		wantErr string
	}{
		{name: "success"},
		{name: "success with a storage pool", pool: guestruntest.Pool},
		{name: "guest never answers SSH", noSSH: true, wantErr: "did not succeed within 1s: no SSH server at 127.0.0.1:"},
		{name: "guest never answers SSH, storage pool", pool: guestruntest.Pool, noSSH: true, wantErr: "(ssh_timeout)"},
		{name: "cancelled while waiting for SSH", noSSH: true, cancel: true, wantErr: "build was cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			dir := t.TempDir()
			src := guestruntest.Image(t)
			d := guestruntest.NewFake()
			port := 1 // nothing listens there
			var server *guestruntest.SSHServer
			if !tt.noSSH {
				server = guestruntest.StartSSHServer(t)
				port = server.Port
			}
			var b Builder
			raw := map[string]interface{}{
				"packer_build_name":     "fake",
				"source_image_url":      src,
				"source_image_checksum": "none",
				"domain_type":           "qemu",
				"ssh_username":          "cloud-user",
				"ssh_port":              port,
				"ssh_timeout":           "1s",
				"shutdown_timeout":      "5s",
				"output_directory":      filepath.Join(dir, "output"),
				"storage_pool":          tt.pool,
			}
			if _, _, err := b.Prepare(raw); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				b.config.Comm.SSHTimeout = time.Minute
				guestruntest.CancelAfterBoot(d, cancel)
			}
			out, ui := recordingUI()
			a, err := b.run(ctx, ui, &packersdk.MockHook{}, d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("build ended with %v, want %q\n%s", err, tt.wantErr, out)
				}
				if _, err := os.Stat(filepath.Join(dir, "output")); !os.IsNotExist(err) {
					t.Error("output directory left behind")
				}
			} else {
				if err != nil {
					t.Fatalf("build failed: %v\n%s", err, out)
				}
				image := filepath.Join(dir, "output", "fake.qcow2")
				if a.Id() != image {
					t.Errorf("artifact %s, want %s", a.Id(), image)
				}
				if _, err := os.Stat(image + ".sha256"); err != nil {
					t.Error(err)
				}
				ran := strings.Join(server.Commands(), "\n")
				for _, want := range []string{"# generalize.sh", "# remove-build-key.sh", "sudo -n sh -c "} {
					if !strings.Contains(ran, want) {
						t.Errorf("the guest was not given a command with %q; it ran:\n%s", want, ran)
					}
				}
			}
			guestruntest.AssertNothingLeft(t, d, "default", []string{guestruntest.Pool}, tmp)
		})
	}
}
