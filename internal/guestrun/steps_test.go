package guestrun

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun/guestruntest"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0Z5QQo6oTfdKkhJmKsPs5T8x8LJmRVPtIf6PDaG3G"

// newRun is a run on the fake with a UI that records what it says.
func newRun(t *testing.T, d *fake.Driver) (*Run, multistep.StateBag, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
	r, err := New(d, ui, "packer-test-", "test", "test:///fake")
	if err != nil {
		t.Fatal(err)
	}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("ui", ui)
	return r, state, &out
}

// The shared steps, run against the fake as the SDK's runner runs them,
// leave nothing behind however the run ends.
func TestSharedStepsLeaveNothing(t *testing.T) {
	guestruntest.RequireTools(t, "xorriso")
	tests := []struct {
		name       string
		pool       string
		ignoreACPI bool
		throwaway  bool
		cancel     bool
		want       multistep.StepAction
		wantOut    string
	}{
		{name: "clean shutdown", want: multistep.ActionContinue, wantOut: "Shutting down the guest (ACPI power button)"},
		{name: "disks in a storage pool", pool: "images", want: multistep.ActionContinue, wantOut: "Disks go into storage pool images"},
		{name: "guest ignores ACPI", ignoreACPI: true, want: multistep.ActionHalt,
			wantOut: "shutdown (shutdown_timeout 200ms): the guest did not power off within 200ms"},
		{name: "throwaway disk, guest ignores ACPI", ignoreACPI: true, throwaway: true, want: multistep.ActionContinue,
			wantOut: "The guest did not power off cleanly (shutdown_timeout 200ms); its disk is thrown away"},
		{name: "cancelled while shutting down", ignoreACPI: true, cancel: true, want: multistep.ActionHalt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			d := fake.New(fake.NATNetwork("default"))
			d.IgnoreACPI = tt.ignoreACPI
			d.AddPool("images")
			r, state, out := newRun(t, d)
			hv := &guestconfig.HypervisorConfig{LibvirtURI: "test:///default", DomainType: "qemu", Network: "default", StoragePool: tt.pool}
			machine := &guestconfig.MachineConfig{}
			if errs := machine.Prepare(); len(errs) != 0 {
				t.Fatal(errs)
			}
			comm := &communicator.Config{SSH: communicator.SSH{SSHUsername: "root", SSHPublicKey: []byte(testKey)}}
			timeout := 200 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				timeout = time.Minute
				d.OnStart = func(*fake.Driver, string) { time.AfterFunc(100*time.Millisecond, cancel) }
			}
			steps := []multistep.Step{
				&StepCheckHost{Hypervisor: hv, Machine: machine},
				&StepWorkDir{Prefix: "packer-centos-test-"},
				&StepStorage{Hypervisor: hv},
				&StepSeed{InstancePrefix: "packer-test-", Hostname: "test", Comm: comm, KeyComment: "packer-centos-test"},
				&StepReserveAddress{},
				&StepBoot{Machine: machine},
				Timed{"shutdown", &StepShutdown{Timeout: timeout, Throwaway: tt.throwaway}},
			}
			(&multistep.BasicRunner{Steps: steps}).Run(ctx, state)
			// A cancel halts the run, inside a step or between two.
			got := multistep.ActionContinue
			_, halted := state.GetOk(multistep.StateHalted)
			_, cancelled := state.GetOk(multistep.StateCancelled)
			if halted || cancelled {
				got = multistep.ActionHalt
			}
			if got != tt.want {
				t.Fatalf("steps ended with %v, want %v:\n%s", got, tt.want, out)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output lacks %q:\n%s", tt.wantOut, out)
			}
			if !strings.Contains(out.String(), "Reserved 192.168.122.") {
				t.Errorf("no reservation reported:\n%s", out)
			}
			if tt.pool != "" && r.Seed.Volume == "" {
				t.Errorf("the seed is not a volume of the pool: %+v", r.Seed)
			}
			guestruntest.AssertNothingLeft(t, d, "default", []string{"images"}, tmp)
		})
	}
}

func TestCheckHostStopsOnMissingNetwork(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, out := newRun(t, d)
	hv := &guestconfig.HypervisorConfig{Network: "builds", DomainType: "qemu"}
	(&multistep.BasicRunner{Steps: []multistep.Step{
		&StepCheckHost{Hypervisor: hv, Machine: &guestconfig.MachineConfig{}},
		&StepWorkDir{Prefix: "packer-centos-test-"},
	}}).Run(context.Background(), state)
	if err, _ := state.Get("error").(error); err == nil || !strings.Contains(err.Error(), `network "builds"`) {
		t.Errorf("error = %v\n%s", err, out)
	}
	if r.WorkDir != "" {
		t.Error("later steps ran after the failure")
	}
}

func TestDomainSpecHasDiskAndSeed(t *testing.T) {
	r := &Run{}
	r.Disk.Path, r.Disk.Format = "/w/disk.qcow2", "qcow2"
	machine := &guestconfig.MachineConfig{MachineType: "pc", CPUs: 2, Memory: 1024, Firmware: "bios"}
	spec := r.DomainSpec(machine)
	if len(spec.Disks) != 1 || !spec.Disks[0].Unsafe || spec.Disks[0].Path != "/w/disk.qcow2" || len(spec.CDROMs) != 0 {
		t.Errorf("without a seed: disks %+v, cdroms %+v", spec.Disks, spec.CDROMs)
	}
	if r.Disk.Unsafe {
		t.Error("DomainSpec changed the run's disk")
	}
	r.Seed.Path, r.Seed.Format = "/w/seed.iso", "raw"
	if spec := r.DomainSpec(machine); len(spec.CDROMs) != 1 || spec.CDROMs[0] != r.Seed || spec.MemoryMiB != 1024 || spec.VCPUs != 2 {
		t.Errorf("with a seed: %+v", spec)
	}
}

func TestTimingsString(t *testing.T) {
	tm := NewTimings(time.Now())
	tm.Add("download", 1500*time.Millisecond)
	tm.Add("export", 250*time.Millisecond)
	if got := tm.String(); !strings.HasPrefix(got, "download 1.5s, export 0.2s (total ") {
		t.Errorf("String() = %q", got)
	}
	if got := NewTimings(time.Now()).String(); got != "(total 0.0s)" {
		t.Errorf("String() without phases = %q", got)
	}
}

// inspect runs a check in the middle of a step list.
type inspect func(multistep.StateBag)

func (f inspect) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	f(state)
	return multistep.ActionContinue
}
func (inspect) Cleanup(multistep.StateBag) {}

// A run's ownership record is in its working directory and its domain's
// metadata, naming its domain, pool and reservation; another run's
// StepReclaim, while the owner lives, touches none of it.
func TestRunIsRecordedAndALiveOneKept(t *testing.T) {
	guestruntest.RequireTools(t, "xorriso")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	d := fake.New(fake.NATNetwork("default"))
	d.AddPool("images")
	r, state, out := newRun(t, d)
	hv := &guestconfig.HypervisorConfig{LibvirtURI: "test:///fake", DomainType: "qemu", Network: "default", StoragePool: "images"}
	machine := &guestconfig.MachineConfig{}
	if errs := machine.Prepare(); len(errs) != 0 {
		t.Fatal(errs)
	}
	comm := &communicator.Config{SSH: communicator.SSH{SSHUsername: "root", SSHPublicKey: []byte(testKey)}}
	checked := false
	steps := []multistep.Step{
		&StepReclaim{Hypervisor: hv},
		&StepCheckHost{Hypervisor: hv, Machine: machine},
		&StepWorkDir{Prefix: "packer-centos-test-"},
		&StepStorage{Hypervisor: hv},
		&StepSeed{InstancePrefix: "packer-test-", Hostname: "test", Comm: comm, KeyComment: "packer-centos-test"},
		&StepReserveAddress{},
		&StepBoot{Machine: machine},
		inspect(func(multistep.StateBag) {
			checked = true
			file, err := ownership.ReadFile(r.WorkDir.Path(ownership.FileName))
			if err != nil {
				t.Fatal(err)
			}
			if file.PID != os.Getpid() || file.Build != "test" || file.URI != "test:///fake" || file.Domain != r.Guest.Name ||
				file.Pool != "images" || file.MAC != r.Guest.MAC || file.IP != r.Guest.IP.String() || file.WorkDir != string(r.WorkDir) {
				t.Errorf("record file = %+v", file)
			}
			dom, _ := d.Domain(r.Guest.Name)
			meta, err := ownership.ParseMetadata(dom.XML.Metadata.XML)
			if err != nil {
				t.Fatal(err)
			}
			meta.XMLName = file.XMLName
			if meta != file {
				t.Errorf("domain metadata %+v, record file %+v", meta, file)
			}
			// Another run starts meanwhile.
			_, other, otherOut := newRun(t, d)
			(&multistep.BasicRunner{Steps: []multistep.Step{&StepReclaim{Hypervisor: hv}}}).Run(context.Background(), other)
			if strings.Contains(otherOut.String(), "Reclaimed") || len(d.Domains()) != 1 || len(d.Volumes("images")) == 0 {
				t.Errorf("a live run's objects were reclaimed:\n%s", otherOut)
			}
		}),
	}
	(&multistep.BasicRunner{Steps: steps}).Run(context.Background(), state)
	if !checked {
		t.Fatalf("the steps stopped early:\n%s", out)
	}
	guestruntest.AssertNothingLeft(t, d, "default", []string{"images"}, tmp)
}
