package libvirt

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

// testRun wires a build run to the fake driver and a UI that records what
// it says.
func testRun(t *testing.T, d *fake.Driver) (*buildRun, multistep.StateBag, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
	cfg := &Config{}
	raw := minimal(t)
	raw["domain_type"] = "qemu"
	raw["shutdown_timeout"] = "200ms"
	if _, err := cfg.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	r := &buildRun{config: cfg, ui: ui, timings: newTimings(time.Now()),
		guest: &guest.Guest{Driver: d, UI: ui, Name: "packer-test-abc123"}}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("ui", ui)
	return r, state, &out
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
	var ran []multistep.Step
	action := multistep.ActionContinue
	for _, s := range steps {
		ran = append(ran, s)
		if action = s.Run(context.Background(), state); action != multistep.ActionContinue {
			break
		}
	}
	for i := len(ran) - 1; i >= 0; i-- {
		ran[i].Cleanup(state)
	}
	return action
}

// The guest-facing steps, run against the fake, leave nothing behind
// whether they succeed or one of them fails.
func TestGuestStepsLeaveNothing(t *testing.T) {
	tests := []struct {
		name       string
		ignoreACPI bool
		want       multistep.StepAction
		wantErr    string
	}{
		{"clean shutdown", false, multistep.ActionContinue, ""},
		{"guest ignores ACPI", true, multistep.ActionHalt, "shutdown (shutdown_timeout 200ms): the guest did not power off within 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fake.New(fake.NATNetwork("default"))
			d.IgnoreACPI = tt.ignoreACPI
			r, state, out := testRun(t, d)
			t.Setenv("TMPDIR", t.TempDir())
			got := runSteps(t, state, stepCheckHypervisor{}, stepWorkDir{}, stepReserveAddress{}, stepCreateDomain{}, stepShutdown{})
			if got != tt.want {
				t.Fatalf("steps ended with %v, want %v; error: %s\n%s", got, tt.want, stateError(state), out)
			}
			if tt.wantErr != "" && !strings.Contains(stateError(state), tt.wantErr) {
				t.Errorf("error = %q, want %q", stateError(state), tt.wantErr)
			}
			if names := d.Domains(); len(names) != 0 {
				t.Errorf("domains left: %v", names)
			}
			if hosts := d.Hosts("default"); len(hosts) != 0 {
				t.Errorf("DHCP reservations left: %v", hosts)
			}
			if _, err := os.Stat(string(r.workDir)); !os.IsNotExist(err) {
				t.Errorf("working directory %s left", r.workDir)
			}
			if !strings.Contains(out.String(), "Reserved 192.168.122.") {
				t.Errorf("no reservation reported:\n%s", out)
			}
		})
	}
}

func TestCheckHypervisorStopsOnMissingNetwork(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := testRun(t, d)
	r.config.Network = "builds"
	if got := runSteps(t, state, stepCheckHypervisor{}, stepWorkDir{}); got != multistep.ActionHalt {
		t.Fatal("build went on without its network")
	}
	if msg := stateError(state); !strings.Contains(msg, `network "builds"`) {
		t.Errorf("error = %q", msg)
	}
	if r.workDir != "" {
		t.Error("later steps ran after the failure")
	}
}
