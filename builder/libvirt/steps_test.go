package libvirt

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

// testRun wires a build run to the fake driver and a UI that records
// what it says.
func testRun(t *testing.T, d *fake.Driver) (*buildRun, multistep.StateBag, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	ui := &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: &out, ErrorWriter: &out}
	cfg := &Config{}
	if _, err := cfg.Prepare(minimal(t)); err != nil {
		t.Fatal(err)
	}
	r := &buildRun{config: cfg, driver: d, ui: ui, timings: newTimings(time.Now()), domain: "packer-test-abc123", workDir: t.TempDir()}
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

func TestCheckHypervisor(t *testing.T) {
	tests := []struct {
		name       string
		domainType string
		kvm        bool
		wantType   string
		wantCPU    string
		wantWarn   bool
	}{
		{"auto without kvm falls back loudly", "auto", false, "qemu", "", true},
		{"auto with kvm", "auto", true, "kvm", "host-passthrough", false},
		{"explicit qemu is quiet", "qemu", true, "qemu", "", false},
		{"explicit kvm", "kvm", false, "kvm", "host-passthrough", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fake.New(fake.NATNetwork("default"))
			d.KVM = tt.kvm
			r, state, out := testRun(t, d)
			r.config.DomainType = tt.domainType
			if action := (stepCheckHypervisor{}).Run(context.Background(), state); action != multistep.ActionContinue {
				t.Fatalf("halted: %s", stateError(state))
			}
			if r.domainType != tt.wantType || r.cpu != tt.wantCPU {
				t.Errorf("domain type %q cpu %q, want %q %q", r.domainType, r.cpu, tt.wantType, tt.wantCPU)
			}
			if gotWarn := strings.Contains(out.String(), "WARNING: KVM is not usable"); gotWarn != tt.wantWarn {
				t.Errorf("warning shown = %v, want %v; output:\n%s", gotWarn, tt.wantWarn, out)
			}
		})
	}
}

func TestCheckHypervisorNetworkProblems(t *testing.T) {
	inactive := fake.NATNetwork("builds")
	inactive.Active = false
	tests := []struct {
		network string
		want    string
	}{
		{"missing", "virsh net-list --all"},
		{"builds", "virsh net-start builds"},
	}
	for _, tt := range tests {
		r, state, _ := testRun(t, fake.New(inactive))
		r.config.Network = tt.network
		if action := (stepCheckHypervisor{}).Run(context.Background(), state); action != multistep.ActionHalt {
			t.Fatalf("network %s: step continued", tt.network)
		}
		if msg := stateError(state); !strings.Contains(msg, tt.want) {
			t.Errorf("network %s: error %q does not say %q", tt.network, msg, tt.want)
		}
	}
}

func TestGuestCPU(t *testing.T) {
	tests := []struct {
		model, domainType string
		level             int
		want              string
	}{
		{"", "kvm", 3, "host-passthrough"},
		{"", "qemu", 1, ""},
		{"", "qemu", 2, "maximum"},
		{"", "qemu", 3, "maximum"},
		{"Haswell-v4", "qemu", 3, "Haswell-v4"},
		{"host-model", "kvm", 1, "host-model"},
	}
	for _, tt := range tests {
		if got := guestCPU(tt.model, tt.domainType, tt.level); got != tt.want {
			t.Errorf("guestCPU(%q, %q, %d) = %q, want %q", tt.model, tt.domainType, tt.level, got, tt.want)
		}
	}
}

func TestReserveAddress(t *testing.T) {
	n := fake.NATNetwork("default")
	n.DHCP = []libvirtdriver.Range{{Start: netip.MustParseAddr("192.168.122.10"), End: netip.MustParseAddr("192.168.122.13")}}
	n.Hosts = []libvirtdriver.DHCPHost{{MAC: "52:54:00:00:00:01", IP: netip.MustParseAddr("192.168.122.10")}}
	d := fake.New(n)
	d.Lease("default", libvirtdriver.Lease{MAC: "52:54:00:00:00:02", IP: netip.MustParseAddr("192.168.122.11")})
	r, state, _ := testRun(t, d)
	r.network = n
	step := stepReserveAddress{}
	if action := step.Run(context.Background(), state); action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	if !r.reserved {
		t.Fatal("no reservation made")
	}
	if ip := r.ip.String(); ip != "192.168.122.12" && ip != "192.168.122.13" {
		t.Errorf("reserved %s, which is reserved, leased or outside the range", ip)
	}
	if !strings.HasPrefix(r.mac, "52:54:00:") {
		t.Errorf("MAC %s is not in qemu's range", r.mac)
	}
	hosts := d.Hosts("default")
	if len(hosts) != 2 || hosts[1].MAC != r.mac || hosts[1].Lease != reservedLease {
		t.Errorf("hosts after reservation = %+v", hosts)
	}
	step.Cleanup(state)
	if hosts := d.Hosts("default"); len(hosts) != 1 {
		t.Errorf("reservation left after cleanup: %+v", hosts)
	}
}

func TestReserveAddressRetriesOnConflict(t *testing.T) {
	n := fake.NATNetwork("default")
	n.DHCP = []libvirtdriver.Range{{Start: netip.MustParseAddr("192.168.122.10"), End: netip.MustParseAddr("192.168.122.11")}}
	d := fake.New(n)
	r, state, _ := testRun(t, d)
	// The network description is stale: another build has meanwhile
	// reserved .10, which libvirt will refuse.
	r.network = n
	if err := d.AddDHCPHost("default", libvirtdriver.DHCPHost{MAC: "52:54:00:99:99:99", IP: netip.MustParseAddr("192.168.122.10")}); err != nil {
		t.Fatal(err)
	}
	if action := (stepReserveAddress{}).Run(context.Background(), state); action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	if r.ip.String() != "192.168.122.11" {
		t.Errorf("reserved %s, want the one free address .11", r.ip)
	}
}

func TestReserveAddressExhausted(t *testing.T) {
	n := fake.NATNetwork("default")
	n.DHCP = []libvirtdriver.Range{{Start: netip.MustParseAddr("192.168.122.10"), End: netip.MustParseAddr("192.168.122.10")}}
	d := fake.New(n)
	d.Lease("default", libvirtdriver.Lease{MAC: "x", IP: netip.MustParseAddr("192.168.122.10")})
	r, state, _ := testRun(t, d)
	r.network = n
	if action := (stepReserveAddress{}).Run(context.Background(), state); action != multistep.ActionHalt {
		t.Fatal("step continued without a free address")
	}
	if msg := stateError(state); !strings.Contains(msg, "no free address") {
		t.Errorf("error = %q", msg)
	}
}

func TestReserveAddressWithoutLibvirtDHCP(t *testing.T) {
	n := fake.NATNetwork("bridged")
	n.DHCP = nil
	d := fake.New(n)
	r, state, out := testRun(t, d)
	r.network = n
	if action := (stepReserveAddress{}).Run(context.Background(), state); action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	if r.reserved || r.ip.IsValid() {
		t.Error("reserved an address on a network without libvirt DHCP")
	}
	if !strings.Contains(out.String(), "looked up once it is up") {
		t.Errorf("output does not explain the fallback:\n%s", out)
	}
}

func TestCreateDomainAndCleanup(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := testRun(t, d)
	r.network, r.domainType, r.mac = fake.NATNetwork("default"), "qemu", "52:54:00:01:02:03"
	r.diskPath, r.seedPath = filepath.Join(r.workDir, "disk.qcow2"), filepath.Join(r.workDir, "seed.iso")
	step := &stepCreateDomain{}
	if action := step.Run(context.Background(), state); action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	dom, ok := d.Domain(r.domain)
	if !ok || !dom.Running {
		t.Fatalf("domain %s not defined and running", r.domain)
	}
	x := dom.XML
	if x.Type != "qemu" || x.Devices.Interfaces[0].MAC.Address != r.mac || x.Devices.Interfaces[0].Source.Network.Network != "default" {
		t.Errorf("domain type/NIC wrong: %s %+v", x.Type, x.Devices.Interfaces[0])
	}
	if x.Devices.Disks[0].Source.File.File != r.diskPath || x.Devices.Disks[1].Source.File.File != r.seedPath {
		t.Errorf("disks wrong: %+v", x.Devices.Disks)
	}
	if x.Devices.Serials[0].Source.File.Path != r.consoleLog {
		t.Errorf("console goes to %s, want %s", x.Devices.Serials[0].Source.File.Path, r.consoleLog)
	}
	step.Cleanup(state)
	if names := d.Domains(); len(names) != 0 {
		t.Errorf("domains left after cleanup: %v", names)
	}
}

func TestCreateDomainStartFailureShowsConsoleAndCleansUp(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	d.Fail = map[string]error{"StartDomain": errors.New("Could not open disk: Permission denied")}
	r, state, _ := testRun(t, d)
	r.network, r.domainType = fake.NATNetwork("default"), "qemu"
	step := &stepCreateDomain{}
	if action := step.Run(context.Background(), state); action != multistep.ActionHalt {
		t.Fatal("step continued after a failed start")
	}
	if msg := stateError(state); !strings.Contains(msg, "Permission denied") || !strings.Contains(msg, "serial console") {
		t.Errorf("error = %q, want the cause and a word on the console", msg)
	}
	step.Cleanup(state)
	if names := d.Domains(); len(names) != 0 {
		t.Errorf("domains left after cleanup: %v", names)
	}
}

func startedDomain(t *testing.T, d *fake.Driver) (*buildRun, multistep.StateBag) {
	t.Helper()
	r, state, _ := testRun(t, d)
	r.network, r.domainType = fake.NATNetwork("default"), "qemu"
	step := &stepCreateDomain{}
	if action := step.Run(context.Background(), state); action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	t.Cleanup(func() { step.Cleanup(state) })
	return r, state
}

func TestShutdownByACPI(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state := startedDomain(t, d)
	if action := (stepShutdown{}).Run(context.Background(), state); action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	if dom, _ := d.Domain(r.domain); dom.Running {
		t.Error("domain still running after shutdown")
	}
}

func TestShutdownTimeoutForcesOffWithConsole(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	d.IgnoreACPI = true
	r, state := startedDomain(t, d)
	r.config.ShutdownTimeout = 50 * time.Millisecond
	if err := os.WriteFile(r.consoleLog, []byte("\x1b[0mDebian login: \r\nA stop job is running for something\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if action := (stepShutdown{}).Run(context.Background(), state); action != multistep.ActionHalt {
		t.Fatal("shutdown of a guest ignoring ACPI succeeded")
	}
	msg := stateError(state)
	for _, want := range []string{"did not power off within shutdown_timeout (50ms)", "| A stop job is running for something"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	if dom, _ := d.Domain(r.domain); dom.Running {
		t.Error("guest not forced off after the timeout")
	}
}

func TestDiagnoseConnect(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, _, _ := testRun(t, d)
	r.network, r.mac, r.ip, r.reserved = fake.NATNetwork("default"), "52:54:00:0a:0b:0c", netip.MustParseAddr("192.168.122.50"), true
	r.bootStarted = time.Now().Add(-30 * time.Second)
	cause := errors.New("Timeout waiting for SSH.")
	if err := diagnoseConnect(r, cause); !strings.Contains(err.Error(), "never took a DHCP lease on network default") {
		t.Errorf("without a lease: %v", err)
	}
	d.AddDHCPHost("default", libvirtdriver.DHCPHost{MAC: r.mac, IP: r.ip, Lease: reservedLease})
	d.LeaseReserved("default", r.mac, r.bootStarted.Add(17*time.Second))
	if err := diagnoseConnect(r, cause); !strings.Contains(err.Error(), "got its address 192.168.122.50 17.0s after boot, but SSH") {
		t.Errorf("with a lease: %v", err)
	}
	r.reserved, r.ip = false, netip.Addr{}
	if err := diagnoseConnect(r, cause); !strings.Contains(err.Error(), "never appeared in the DHCP leases or ARP table") {
		t.Errorf("unreserved, no address: %v", err)
	}
}

func TestRecordBootTimings(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, _, _ := testRun(t, d)
	r.network, r.mac, r.ip, r.reserved = fake.NATNetwork("default"), "52:54:00:0a:0b:0c", netip.MustParseAddr("192.168.122.50"), true
	start := time.Now().Add(-30 * time.Second).Truncate(time.Second)
	r.bootStarted = start
	d.AddDHCPHost("default", libvirtdriver.DHCPHost{MAC: r.mac, IP: r.ip, Lease: reservedLease})
	d.LeaseReserved("default", r.mac, start.Add(20*time.Second))
	recordBootTimings(r, start.Add(28*time.Second))
	got := r.timings.String()
	if !strings.Contains(got, "boot→lease 20.0s, lease→SSH 8.0s") {
		t.Errorf("timings = %s", got)
	}
}

func TestGuestAddressFallsBackToLeases(t *testing.T) {
	n := fake.NATNetwork("bridged")
	d := fake.New(n)
	d.OnStart = func(d *fake.Driver, name string) {
		dom, _ := d.Domain(name)
		mac := dom.XML.Devices.Interfaces[0].MAC.Address
		go func() {
			time.Sleep(300 * time.Millisecond)
			d.Lease("bridged", libvirtdriver.Lease{MAC: mac, IP: netip.MustParseAddr("10.0.0.7")})
		}()
	}
	r, state, _ := testRun(t, d)
	r.network, r.domainType, r.mac = n, "qemu", "52:54:00:00:00:07"
	step := &stepCreateDomain{}
	if step.Run(context.Background(), state) != multistep.ActionContinue {
		t.Fatal(stateError(state))
	}
	defer step.Cleanup(state)
	ip, err := guestAddress(context.Background(), r, time.Now().Add(5*time.Second))
	if err != nil || ip.String() != "10.0.0.7" {
		t.Errorf("guestAddress = %v, %v; want 10.0.0.7", ip, err)
	}
	if _, err := guestAddress(context.Background(), &buildRun{driver: d, domain: "nope", ui: r.ui}, time.Now().Add(1500*time.Millisecond)); err == nil {
		t.Error("guestAddress of a domain without lease succeeded")
	}
}
