package guest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

// recordingUI keeps what a guest says.
type recordingUI struct{ bytes.Buffer }

func (u *recordingUI) Say(s string)   { u.WriteString(s + "\n") }
func (u *recordingUI) Error(s string) { u.WriteString("ERROR: " + s + "\n") }

func newGuest(t *testing.T, d *fake.Driver, n libvirtdriver.Network) (*Guest, *recordingUI) {
	t.Helper()
	ui := &recordingUI{}
	g := &Guest{Driver: d, UI: ui, Name: "packer-test-abc123", ConsoleLog: filepath.Join(t.TempDir(), "console.log"),
		Host: Host{Network: n, DomainType: "qemu"}}
	return g, ui
}

func TestCheckHost(t *testing.T) {
	tests := []struct {
		name       string
		domainType string
		kvm        bool
		level      int
		wantType   string
		wantCPU    string
		wantWarn   bool
	}{
		{"auto without kvm falls back loudly", "auto", false, 1, "qemu", "", true},
		{"auto without kvm, stream10", "auto", false, 3, "qemu", "maximum", true},
		{"auto with kvm", "auto", true, 1, "kvm", "host-passthrough", false},
		{"explicit qemu is quiet", "qemu", true, 1, "qemu", "", false},
		{"explicit kvm", "kvm", false, 1, "kvm", "host-passthrough", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fake.New(fake.NATNetwork("default"))
			d.KVM = tt.kvm
			ui := &recordingUI{}
			h, err := CheckHost(context.Background(), d, ui, HostWish{Network: "default", DomainType: tt.domainType, MinX86Level: tt.level})
			if err != nil {
				t.Fatal(err)
			}
			if h.DomainType != tt.wantType || h.CPU != tt.wantCPU {
				t.Errorf("domain type %q cpu %q, want %q %q", h.DomainType, h.CPU, tt.wantType, tt.wantCPU)
			}
			if gotWarn := strings.Contains(ui.String(), "WARNING: KVM is not usable"); gotWarn != tt.wantWarn {
				t.Errorf("warning shown = %v, want %v; output:\n%s", gotWarn, tt.wantWarn, ui)
			}
		})
	}
}

func TestCheckHostNetworkProblems(t *testing.T) {
	inactive := fake.NATNetwork("builds")
	inactive.Active = false
	for network, want := range map[string]string{"missing": "virsh net-list --all", "builds": "virsh net-start builds"} {
		_, err := CheckHost(context.Background(), fake.New(inactive), &recordingUI{}, HostWish{Network: network, DomainType: "qemu"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("network %s: error %v does not say %q", network, err, want)
		}
	}
}

func TestCPUFor(t *testing.T) {
	tests := []struct {
		model, domainType string
		level             int
		want              string
	}{
		{"", "kvm", 3, "host-passthrough"},
		{"", "qemu", 1, ""},
		{"", "qemu", 2, "maximum"},
		{"Haswell-v4", "qemu", 3, "Haswell-v4"},
		{"host-model", "kvm", 1, "host-model"},
	}
	for _, tt := range tests {
		if got := CPUFor(tt.model, tt.domainType, tt.level); got != tt.want {
			t.Errorf("CPUFor(%q, %q, %d) = %q, want %q", tt.model, tt.domainType, tt.level, got, tt.want)
		}
	}
}

func rangeNet(start, end string) libvirtdriver.Network {
	n := fake.NATNetwork("default")
	n.DHCP = []libvirtdriver.Range{{Start: netip.MustParseAddr(start), End: netip.MustParseAddr(end)}}
	return n
}

func TestReserveAddress(t *testing.T) {
	n := rangeNet("192.168.122.10", "192.168.122.13")
	n.Hosts = []libvirtdriver.DHCPHost{{MAC: "52:54:00:00:00:01", IP: netip.MustParseAddr("192.168.122.10")}}
	d := fake.New(n)
	d.Lease("default", libvirtdriver.Lease{MAC: "52:54:00:00:00:02", IP: netip.MustParseAddr("192.168.122.11")})
	g, _ := newGuest(t, d, n)
	if err := g.ReserveAddress(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ip := g.IP.String(); !g.Reserved || ip != "192.168.122.12" && ip != "192.168.122.13" {
		t.Errorf("reserved %s (%v), which is reserved, leased or outside the range", ip, g.Reserved)
	}
	if !strings.HasPrefix(g.MAC, "52:54:00:") {
		t.Errorf("MAC %s is not in qemu's range", g.MAC)
	}
	hosts := d.Hosts("default")
	if len(hosts) != 2 || hosts[1].MAC != g.MAC || hosts[1].Lease != reservedLease {
		t.Errorf("hosts after reservation = %+v", hosts)
	}
	g.ReleaseAddress()
	if hosts := d.Hosts("default"); len(hosts) != 1 {
		t.Errorf("reservation left after release: %+v", hosts)
	}
}

func TestReserveAddressRetriesOnConflict(t *testing.T) {
	n := rangeNet("192.168.122.10", "192.168.122.11")
	d := fake.New(n)
	// The network description is stale: another run has meanwhile
	// reserved .10, which libvirt refuses to reserve twice.
	if err := d.AddDHCPHost(context.Background(), "default", libvirtdriver.DHCPHost{MAC: "52:54:00:99:99:99", IP: netip.MustParseAddr("192.168.122.10")}); err != nil {
		t.Fatal(err)
	}
	g, _ := newGuest(t, d, n)
	if err := g.ReserveAddress(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g.IP.String() != "192.168.122.11" {
		t.Errorf("reserved %s, want the one free address .11", g.IP)
	}
}

func TestReserveAddressExhausted(t *testing.T) {
	n := rangeNet("192.168.122.10", "192.168.122.10")
	d := fake.New(n)
	d.Lease("default", libvirtdriver.Lease{MAC: "x", IP: netip.MustParseAddr("192.168.122.10")})
	g, _ := newGuest(t, d, n)
	if err := g.ReserveAddress(context.Background()); err == nil || !strings.Contains(err.Error(), "no free address") {
		t.Errorf("error = %v", err)
	}
}

func TestReserveAddressWithoutLibvirtDHCP(t *testing.T) {
	n := fake.NATNetwork("bridged")
	n.DHCP = nil
	g, ui := newGuest(t, fake.New(n), n)
	if err := g.ReserveAddress(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g.Reserved || g.IP.IsValid() || g.MAC == "" {
		t.Errorf("reserved %v ip %v mac %q on a network without libvirt DHCP", g.Reserved, g.IP, g.MAC)
	}
	if !strings.Contains(ui.String(), "looked up once it is up") {
		t.Errorf("output does not explain the fallback:\n%s", ui)
	}
}

func testSpec(dir string) domainxml.Spec {
	return domainxml.Spec{Machine: "pc", MemoryMiB: 1024, VCPUs: 1, Firmware: "bios",
		Disks: []domainxml.Disk{{Path: filepath.Join(dir, "disk.qcow2"), Format: "qcow2"}}, CDROMs: []domainxml.Disk{{Path: filepath.Join(dir, "seed.iso")}}}
}

func TestStartAndRemove(t *testing.T) {
	for _, firmware := range []string{"bios", "efi"} {
		t.Run(firmware, func(t *testing.T) {
			n := fake.NATNetwork("default")
			d := fake.New(n)
			g, _ := newGuest(t, d, n)
			g.MAC = "52:54:00:01:02:03"
			spec := testSpec(t.TempDir())
			spec.Firmware = firmware
			if err := g.Start(context.Background(), spec); err != nil {
				t.Fatal(err)
			}
			dom, ok := d.Domain(g.Name)
			if !ok || !dom.Running {
				t.Fatalf("domain %s not running", g.Name)
			}
			x := dom.XML
			if x.Type != "qemu" || x.Devices.Interfaces[0].MAC.Address != g.MAC || x.Devices.Interfaces[0].Source.Network.Network != "default" {
				t.Errorf("domain type/NIC wrong: %s %+v", x.Type, x.Devices.Interfaces[0])
			}
			if x.Devices.Disks[0].Source.File.File != spec.Disks[0].Path || x.Devices.Serials[0].Source.File.Path != g.ConsoleLog {
				t.Errorf("disk or console wrong: %+v", x.Devices)
			}
			g.Remove()
			if names := d.Domains(); len(names) != 0 {
				t.Errorf("domains left after Remove: %v", names)
			}
		})
	}
}

func TestStartFailureShowsConsole(t *testing.T) {
	n := fake.NATNetwork("default")
	d := fake.New(n)
	d.Fail = map[string]error{"StartDomain": errors.New("Could not open disk: Permission denied")}
	g, _ := newGuest(t, d, n)
	err := g.Start(context.Background(), testSpec(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "Permission denied") || !strings.Contains(err.Error(), "serial console") {
		t.Errorf("error = %v, want the cause and a word on the console", err)
	}
	g.Remove()
	if names := d.Domains(); len(names) != 0 {
		t.Errorf("domains left after Remove: %v", names)
	}
}

func startedGuest(t *testing.T, d *fake.Driver) *Guest {
	t.Helper()
	g, _ := newGuest(t, d, fake.NATNetwork("default"))
	if err := g.Start(context.Background(), testSpec(t.TempDir())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Remove)
	return g
}

func TestShutdownByACPI(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	g := startedGuest(t, d)
	if err := g.Shutdown(context.Background(), time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	if dom, _ := d.Domain(g.Name); dom.Running {
		t.Error("domain still running after shutdown")
	}
}

func TestShutdownTimeoutForcesOffWithConsole(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	d.IgnoreACPI = true
	g := startedGuest(t, d)
	if err := os.WriteFile(g.ConsoleLog, []byte("\x1b[0mDebian login: \r\nA stop job is running for something\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := g.Shutdown(context.Background(), 50*time.Millisecond, nil)
	if err == nil {
		t.Fatal("shutdown of a guest ignoring ACPI succeeded")
	}
	for _, want := range []string{"did not power off within 50ms", "| A stop job is running for something"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%s", want, err)
		}
	}
	if dom, _ := d.Domain(g.Name); dom.Running {
		t.Error("guest not forced off after the timeout")
	}
}

func TestShutdownTriggerError(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	g := startedGuest(t, d)
	err := g.Shutdown(context.Background(), time.Minute, func(context.Context) error { return errors.New("ssh: connection lost") })
	if err == nil || !strings.Contains(err.Error(), "ssh: connection lost") {
		t.Errorf("error = %v", err)
	}
}

func reservedGuest(t *testing.T, d *fake.Driver) *Guest {
	t.Helper()
	g, _ := newGuest(t, d, fake.NATNetwork("default"))
	g.MAC, g.IP, g.Reserved = "52:54:00:0a:0b:0c", netip.MustParseAddr("192.168.122.50"), true
	if err := d.AddDHCPHost(context.Background(), "default", libvirtdriver.DHCPHost{MAC: g.MAC, IP: g.IP, Lease: reservedLease}); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestDiagnoseSSH(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	g := reservedGuest(t, d)
	g.BootStarted = time.Now().Add(-30 * time.Second)
	cause := errors.New("Timeout waiting for SSH.")
	if err := g.DiagnoseSSH(context.Background(), "cloud-user", time.Minute, cause); !strings.Contains(err.Error(), "never took a DHCP lease on network default") {
		t.Errorf("without a lease: %v", err)
	}
	d.LeaseReserved("default", g.MAC, g.BootStarted.Add(17*time.Second))
	if err := g.DiagnoseSSH(context.Background(), "cloud-user", time.Minute, cause); !strings.Contains(err.Error(), `got its address 192.168.122.50 17.0s after boot, but SSH as "cloud-user"`) {
		t.Errorf("with a lease: %v", err)
	}
	g.Reserved, g.IP = false, netip.Addr{}
	if err := g.DiagnoseSSH(context.Background(), "cloud-user", time.Minute, cause); !strings.Contains(err.Error(), "never appeared in the DHCP leases or ARP table") {
		t.Errorf("unreserved, no address: %v", err)
	}
}

func TestBootPhases(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	g := reservedGuest(t, d)
	start := time.Now().Add(-30 * time.Second).Truncate(time.Second)
	g.BootStarted = start
	d.LeaseReserved("default", g.MAC, start.Add(20*time.Second))
	got := g.BootPhases(context.Background(), start.Add(28*time.Second))
	want := []Phase{{"boot→lease", 20 * time.Second}, {"lease→SSH", 8 * time.Second}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("BootPhases = %v, want %v", got, want)
	}
	g.Reserved = false
	if got := g.BootPhases(context.Background(), start.Add(28*time.Second)); len(got) != 1 || got[0].Name != "boot→SSH" || got[0].D != 28*time.Second {
		t.Errorf("without a known lease: %v", got)
	}
}

func TestAddressFallsBackToLeases(t *testing.T) {
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
	g, _ := newGuest(t, d, n)
	g.MAC = "52:54:00:00:00:07"
	if err := g.Start(context.Background(), testSpec(t.TempDir())); err != nil {
		t.Fatal(err)
	}
	defer g.Remove()
	ip, err := g.Address(context.Background(), time.Now().Add(5*time.Second))
	if err != nil || ip.String() != "10.0.0.7" {
		t.Errorf("Address = %v, %v; want 10.0.0.7", ip, err)
	}
	other, _ := newGuest(t, d, n)
	other.Name = "nope"
	if _, err := other.Address(context.Background(), time.Now().Add(1500*time.Millisecond)); err == nil {
		t.Error("Address of a domain without lease succeeded")
	}
}

func TestConsoleTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.log")
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "\x1b[1;32mline %d\x1b[0m\r\n\r\n", i)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tail, err := ConsoleTail(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if tail != "line 28\nline 29\nline 30" {
		t.Errorf("tail = %q", tail)
	}
	err = WithConsole(errors.New("boom"), path)
	if !strings.HasPrefix(err.Error(), "boom\nlast 20 lines") || !strings.Contains(err.Error(), "  | line 30") || strings.Contains(err.Error(), "line 10\n") {
		t.Errorf("WithConsole = %q", err)
	}
	if err := WithConsole(errors.New("boom"), filepath.Join(t.TempDir(), "none")); !strings.Contains(err.Error(), "unreadable") {
		t.Errorf("missing log: %v", err)
	}
}

func TestConsoleTailShowsWhatATerminalWould(t *testing.T) {
	path := filepath.Join(t.TempDir(), "console.log")
	spinner := "\r\x1b[K[ *** ] A start job is running (1s)\r\x1b[K[  ***] A start job is running (2s)\x1bM\r\n"
	if err := os.WriteFile(path, []byte("boot\r\n"+spinner+"login: \r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tail, err := ConsoleTail(path, 5)
	if err != nil {
		t.Fatal(err)
	}
	if want := "boot\n[  ***] A start job is running (2s)\nlogin:"; tail != want {
		t.Errorf("tail = %q, want %q", tail, want)
	}
}

func TestMakeWorkDir(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dir, err := MakeWorkDir("packer-centos-")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(string(dir))
	if err != nil || fi.Mode().Perm() != 0o711 {
		t.Errorf("work dir mode = %v (%v), want 0711", fi.Mode().Perm(), err)
	}
	os.WriteFile(dir.Path("disk.qcow2"), []byte("x"), 0o600)
	dir.Remove(&recordingUI{})
	if _, err := os.Stat(string(dir)); !os.IsNotExist(err) {
		t.Error("Remove left the directory")
	}
}

// A release's x86-64 level is checked against the CPU the guest will get
// before it boots: below it the guest's glibc refuses to start and SSH
// never comes.
func TestCheckHostCPULevel(t *testing.T) {
	v1 := []string{"cx8", "cmov", "sse", "sse2", "lm", "nx"}
	v2 := append(append([]string(nil), v1...), "cx16", "lahf_lm", "popcnt", "sse4.1", "sse4.2", "ssse3")
	tests := []struct {
		name       string
		domainType string
		model      string
		level      int
		flags      []string
		fail       error
		wantErr    []string
		wantWarn   string
	}{
		{"v1 release needs no check", "qemu", "", 1, v1, nil, nil, ""},
		{"stream9 on a v2 CPU", "qemu", "", 2, v2, nil, nil, ""},
		{"stream10 on qemu64 under TCG", "qemu", "qemu64", 3, v1, nil,
			[]string{"CentOS Stream 10 needs an x86-64-v3 CPU, but the guest's CPU (model qemu64) lacks avx, avx2, bmi1, bmi2, cx16, fma", "never reach SSH", "set cpu_model to a model that has them"}, ""},
		{"stream10 on an old KVM host", "kvm", "", 3, v2, nil,
			[]string{"(the host's, under KVM) lacks avx, avx2", "build on a newer host"}, ""},
		{"stream10 on an old TCG", "qemu", "", 3, v2, nil,
			[]string{"(the most qemu can offer) lacks avx", "QEMU 7.2 or later"}, ""},
		{"libvirt cannot say", "qemu", "", 3, nil, errors.New("no baseline"), nil,
			"WARNING: could not check that the guest's CPU offers x86-64-v3: no baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fake.New(fake.NATNetwork("default"))
			d.KVM = true
			d.CPUFlags = tt.flags
			if tt.fail != nil {
				d.Fail = map[string]error{"CPUFeatures": tt.fail}
			}
			ui := &recordingUI{}
			_, err := CheckHost(context.Background(), d, ui, HostWish{Network: "default", DomainType: tt.domainType,
				CPUModel: tt.model, MinX86Level: tt.level, Release: "CentOS Stream 10"})
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
			if tt.wantWarn != "" && !strings.Contains(ui.String(), tt.wantWarn) {
				t.Errorf("output lacks %q:\n%s", tt.wantWarn, ui)
			}
		})
	}
}
