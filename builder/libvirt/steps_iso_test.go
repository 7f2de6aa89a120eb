package libvirt

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0Z5QQo6oTfdKkhJmKsPs5T8x8LJmRVPtIf6PDaG3G"

// isoRun is testRun for an ISO build, its kickstart server on loopback.
func isoRun(t *testing.T, d *fake.Driver, change map[string]interface{}) (*buildRun, multistep.StateBag, *bytes.Buffer) {
	t.Helper()
	raw := isoRaw(t)
	raw["domain_type"] = "qemu"
	raw["http_bind_address"] = "127.0.0.1"
	raw["boot_wait"] = "10ms"
	raw["boot_key_interval"] = "1ms"
	raw["install_timeout"] = "5s"
	for k, v := range change {
		raw[k] = v
	}
	cfg := &Config{}
	if _, err := cfg.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	cfg.Comm.SSHPublicKey = []byte(testKey + "\n")
	r, state, out := testRun(t, d)
	r.config = cfg
	r.WorkDir = guest.WorkDir(t.TempDir())
	r.Guest.ConsoleLog = r.WorkDir.Path("console.log")
	r.Guest.Host.Network = fake.NATNetwork("default")
	r.Guest.Host.DomainType = "qemu"
	r.Disk = domainxml.Disk{Path: r.WorkDir.Path("disk.qcow2"), Format: "qcow2"}
	r.Guest.Storage = guest.LocalStorage{Dir: r.WorkDir}
	state.Put("iso_path", cfg.ISOURLs[0])
	return r, state, out
}

// during runs f as a step, while the steps before it are still up.
type during func()

func (f during) Run(context.Context, multistep.StateBag) multistep.StepAction {
	f()
	return multistep.ActionContinue
}
func (during) Cleanup(multistep.StateBag) {}

func get(t *testing.T, url string) (string, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestKickstartServer(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, out := isoRun(t, d, map[string]interface{}{"http_content": map[string]string{"/extra.txt": "extra"}})
	// The guest's reserved address is the loopback here; 127.0.0.2 is
	// another machine.
	r.Guest.IP, r.Guest.Reserved = netip.MustParseAddr("127.0.0.1"), true
	var base string
	action := runSteps(t, state, &stepHTTPServer{}, stepRenderKickstart{}, during(func() {
		base = fmt.Sprintf("http://%s:%d", r.httpIP, r.httpPort)
		ks, err := get(t, base+kickstartPath)
		if err != nil || !strings.Contains(ks, `sshkey --username=root "`+testKey+`"`) {
			t.Errorf("served kickstart (%v) lacks the build key:\n%s", err, ks)
		}
		if extra, err := get(t, base+"/extra.txt"); err != nil || extra != "extra" {
			t.Errorf("http_content served %q, %v", extra, err)
		}
		other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
		for _, path := range []string{kickstartPath, "/extra.txt"} {
			resp, err := other.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), testKey) {
				t.Errorf("another address got %s for %s: %s", resp.Status, path, body)
			}
		}
	}))
	if action != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	if r.httpIP != "127.0.0.1" || r.kickstartArg() != fmt.Sprintf("inst.ks=http://127.0.0.1:%d/ks.cfg", r.httpPort) {
		t.Errorf("served at %s:%d, kickstart argument %q", r.httpIP, r.httpPort, r.kickstartArg())
	}
	if !strings.Contains(out.String(), "127.0.0.1 fetched the kickstart") {
		t.Errorf("the fetch was not reported:\n%s", out)
	}
	if n := strings.Count(out.String(), "Refused a request for /ks.cfg from 127.0.0.2: the kickstart server answers only the guest at 127.0.0.1"); n != 1 {
		t.Errorf("the refused address was reported %d times, want once:\n%s", n, out)
	}
	if _, err := get(t, base+kickstartPath); err == nil {
		t.Error("the kickstart server still answers after its cleanup")
	}
}

// Who the server answers: the reserved address alone; without a
// reservation, the network's subnet; without either, anyone.
func TestGuestOnly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reserved string
		subnet   string
		client   string
		want     int
	}{
		{"the guest", "192.168.122.50", "192.168.122.0/24", "192.168.122.50:40000", 200},
		{"the host's own bridge address", "192.168.122.50", "192.168.122.0/24", "192.168.122.1:40000", 403},
		{"another guest", "192.168.122.50", "192.168.122.0/24", "192.168.122.51:40000", 403},
		{"the guest over IPv4-mapped IPv6", "192.168.122.50", "192.168.122.0/24", "[::ffff:192.168.122.50]:40000", 200},
		{"no reservation: the network", "", "192.168.122.0/24", "192.168.122.51:40000", 200},
		{"no reservation: outside the network", "", "192.168.122.0/24", "10.0.0.5:40000", 403},
		{"no reservation, no subnet", "", "", "10.0.0.5:40000", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := &buildRun{Run: &guestrun.Run{UI: &packersdk.BasicUi{Writer: &out, ErrorWriter: &out}, Guest: &guest.Guest{}}}
			if tc.reserved != "" {
				r.Guest.IP, r.Guest.Reserved = netip.MustParseAddr(tc.reserved), true
			}
			if tc.subnet != "" {
				r.Guest.Host.Network.Subnet = netip.MustParsePrefix(tc.subnet)
			}
			h := guestOnly(r, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ks")) }))
			req := httptest.NewRequest("GET", kickstartPath, nil)
			req.RemoteAddr = tc.client
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
			if refused := strings.Contains(out.String(), "Refused a request for /ks.cfg"); refused != (tc.want == 403) {
				t.Errorf("refusal reported: %v, output %q", refused, out.String())
			}
		})
	}
}

func TestKickstartServerBindsToTheBridge(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := isoRun(t, d, nil)
	r.config.bindDefault = true
	defer func(d time.Duration) { listenTimeout = d }(listenTimeout)
	listenTimeout = 300 * time.Millisecond
	// 192.168.122.1 is not an address of the test machine: binding fails,
	// which shows the server tried the bridge and nothing wider.
	if got := runSteps(t, state, &stepHTTPServer{}); got != multistep.ActionHalt {
		t.Skip("this machine has the libvirt bridge address itself")
	}
	if msg := stateError(state); !strings.Contains(msg, "start the kickstart HTTP server on 192.168.122.1") {
		t.Errorf("error = %q", msg)
	}
}

func TestRenderKickstartRefusesFileWithoutKey(t *testing.T) {
	ks := filepath.Join(t.TempDir(), "ks.cfg")
	os.WriteFile(ks, []byte("text\npoweroff\n"), 0o644)
	d := fake.New(fake.NATNetwork("default"))
	_, state, _ := isoRun(t, d, map[string]interface{}{"kickstart_file": ks})
	if got := runSteps(t, state, stepRenderKickstart{}); got != multistep.ActionHalt {
		t.Fatal("a kickstart without the build key was accepted")
	}
	if msg := stateError(state); !strings.Contains(msg, "does not install the build's SSH key") {
		t.Errorf("error = %q", msg)
	}
}

func TestOEMDRVCarriesTheKickstart(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := isoRun(t, d, map[string]interface{}{"kickstart_delivery": "cdrom"})
	if got := runSteps(t, state, stepRenderKickstart{}, stepCreateOEMDRV{}); got != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	if _, err := os.Stat(r.oemdrv.Path); err != nil {
		t.Fatalf("no OEMDRV CD: %v", err)
	}
	if r.kickstartArg() != "" {
		t.Errorf("kickstart argument %q for OEMDRV, want none: Anaconda finds it by itself", r.kickstartArg())
	}
}

// stopWhen ends the fake install once cond holds, as an installer powering
// off when done would.
func stopWhen(d *fake.Driver, cond func() bool) {
	d.OnStart = func(d *fake.Driver, name string) {
		go func() {
			for !cond() {
				time.Sleep(5 * time.Millisecond)
			}
			d.Stop(name)
		}()
	}
}

func TestInstallTypesTheBootCommand(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := isoRun(t, d, map[string]interface{}{"boot_command": []string{"<up><tab> {{ .KickstartArg }}<enter>"}})
	r.httpIP, r.httpPort = "10.0.0.1", 80
	wantKeys := len(" inst.ks=http://10.0.0.1:80/ks.cfg") + 3
	stopWhen(d, func() bool { return len(d.Keys()) >= wantKeys })
	if got := runSteps(t, state, stepInstall{}); got != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	keys := d.Keys()
	if len(keys) != wantKeys || keys[0][0] != 0xe048 || keys[1][0] != 0x0f || keys[len(keys)-1][0] != 0x1c {
		t.Errorf("typed %x", keys)
	}
	if names := d.Domains(); len(names) != 0 {
		t.Errorf("install domain left: %v", names)
	}
}

func TestInstallBootsTheKernel(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := isoRun(t, d, map[string]interface{}{"boot_mode": "kernel", "kernel_args": "inst.repo=http://m/os"})
	r.httpIP, r.httpPort = "10.0.0.1", 80
	r.kernel, r.initrd, r.stage2 = "/w/vmlinuz", "/w/initrd.img", `inst.stage2=hd:LABEL=CentOS\x207`
	var cmdline string
	d.OnStart = func(d *fake.Driver, name string) {
		dom, _ := d.Domain(name)
		cmdline = dom.XML.OS.Cmdline
		go d.Stop(name)
	}
	if got := runSteps(t, state, stepInstall{}); got != multistep.ActionContinue {
		t.Fatalf("halted: %s", stateError(state))
	}
	want := `inst.stage2=hd:LABEL=CentOS\x207 inst.ks=http://10.0.0.1:80/ks.cfg inst.text inst.repo=http://m/os console=tty0 console=ttyS0,115200`
	if cmdline != want {
		t.Errorf("kernel command line = %q, want %q", cmdline, want)
	}
	if len(d.Keys()) != 0 {
		t.Error("keys were typed for a kernel boot")
	}
}

func TestInstallTimeoutShowsConsole(t *testing.T) {
	d := fake.New(fake.NATNetwork("default"))
	r, state, _ := isoRun(t, d, map[string]interface{}{"boot_mode": "kernel", "install_timeout": "100ms"})
	d.OnStart = func(*fake.Driver, string) {
		os.WriteFile(r.Guest.ConsoleLog, []byte("anaconda: waiting for network\n"), 0o644)
	}
	if got := runSteps(t, state, stepInstall{}); got != multistep.ActionHalt {
		t.Fatal("an installer that never finished was accepted")
	}
	msg := stateError(state)
	for _, want := range []string{"the installation did not finish within install_timeout (100ms)", "| anaconda: waiting for network"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if names := d.Domains(); len(names) != 0 {
		t.Errorf("install domain left: %v", names)
	}
}
