//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/bootkeys"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"golang.org/x/crypto/ssh"
)

// installerCase is one way of running the stand-in installer.
type installerCase struct {
	name string
	// iso names the env var of the installer ISO.
	iso string
	// menu is what the boot menu shows on the serial console, keys what
	// is typed into it ({{url}}: the kickstart's URL); without a menu the
	// installer's kernel is booted directly with cmdline.
	menu, keys, cmdline string
	// ksLabel is the label of the CD that carries ks.cfg; empty: it is
	// served over HTTP.
	ksLabel string
	// completion ends the kickstart: poweroff, reboot, or none (halt).
	completion string
	// console proves where the kickstart came from.
	console string
}

// standinPasswordHash is the password of root and of the kickstart's user
// in the self-test: "standin".
const standinPasswordHash = `$6$standin.selftest$iEmdqq06obibs5pdTnHjBTTTkIwE1lFXj2o3NwhJ6e0u5MlcqEVq37MajdWF50aviNwva9DKv.XWYPPnKxZpK/`

// TestStandInInstaller installs the stand-in system with the stand-in
// installer ISOs the way a build would — boot menus typed into, the
// kernel booted directly, the kickstart over HTTP, on an OEMDRV CD, a
// labelled disk or a CD — then boots the installed disk alone and logs in
// with the key the kickstart gave, checking what the kickstart asked for.
func TestStandInInstaller(t *testing.T) {
	w := requireWorld(t)
	const stage2 = "inst.stage2=hd:LABEL=STANDIN-INSTALL"
	cases := []installerCase{
		{name: "isolinux", iso: "WORLD_INSTALLER_ISO_ISOLINUX", menu: "Press Tab for full configuration",
			keys: "<up><tab> text ks={{url}}<enter>", completion: "poweroff"},
		{name: "grub", iso: "WORLD_INSTALLER_ISO_GRUB", menu: "Test this media & install CentOS",
			keys: "<up>e<down><down><end> text inst.ks={{url}}<leftCtrlOn>x<leftCtrlOff>", completion: "reboot"},
		{name: "oemdrv", iso: "WORLD_INSTALLER_ISO_ISOLINUX", cmdline: stage2 + " console=ttyS0,115200",
			ksLabel: "OEMDRV", completion: "poweroff", console: "read kickstart ks.cfg from OEMDRV volume"},
		// No console= at all: the installer mirrors its lines to ttyS0.
		{name: "hdlabel", iso: "WORLD_INSTALLER_ISO_ISOLINUX", cmdline: stage2 + " inst.ks=hd:LABEL=OEMDRV:/ks.cfg",
			ksLabel: "OEMDRV", completion: "poweroff", console: "read kickstart /ks.cfg from /dev/sr1"},
		{name: "cdrom", iso: "WORLD_INSTALLER_ISO_ISOLINUX", cmdline: stage2 + " console=ttyS0,115200 inst.ks=cdrom:/ks.cfg",
			ksLabel: "KSCD", completion: "poweroff", console: "read kickstart /ks.cfg from /dev/sr1"},
		// <enter> boots the default entry, the media check; the kickstart
		// has no completion command, so the installer halts as Anaconda
		// does, until <enter>.
		{name: "check", iso: "WORLD_INSTALLER_ISO_ISOLINUX", menu: "Press Tab for full configuration", keys: "<enter>",
			ksLabel: "OEMDRV", console: "stand-in installer: medium check passed"},
	}
	d := openDriver(t, w)
	srv := startKickstartServer(t, d, w.network)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iso := os.Getenv(tc.iso)
			if iso == "" {
				t.Fatalf("%s is not set: the test world builds the stand-in installer ISOs", tc.iso)
			}
			installStandIn(t, w, d, srv, tc, iso)
		})
	}
}

func installStandIn(t *testing.T, w *world, d *libvirtdriver.Conn, srv *kickstartServer, tc installerCase, iso string) {
	ctx := context.Background()
	g := newStandinGuest(t, w, d, "installer-"+tc.name)
	disk := filepath.Join(g.dir, "disk.qcow2")
	if err := qemuimg.CreateBlank(ctx, disk, 3<<30); err != nil {
		t.Fatal(err)
	}
	key, pub := newKey(t)
	ks := standinKickstart(tc.name, tc.completion, pub)
	spec := g.spec(disk)
	spec.StopOnReboot = true // the installer's reboot ends it, as in a build
	spec.CDROMs = []domainxml.Disk{{Path: iso, Format: "raw"}}
	var url string
	if tc.ksLabel == "" {
		url = srv.serve("/ks-"+tc.name+".cfg", ks)
	} else {
		ksISO := filepath.Join(g.dir, "ks.iso")
		if err := isoimage.Write(ctx, ksISO, tc.ksLabel, map[string][]byte{"ks.cfg": []byte(ks)}); err != nil {
			t.Fatal(err)
		}
		spec.CDROMs = append(spec.CDROMs, domainxml.Disk{Path: ksISO, Format: "raw"})
	}
	if tc.menu == "" {
		spec.Kernel, spec.Initrd = extractFromISO(t, iso, g.dir, "vmlinuz"), extractFromISO(t, iso, g.dir, "initrd.img")
		spec.Cmdline = tc.cmdline
	} else {
		spec.BootFromCDROM = true
	}
	g.boot(t, spec)
	if tc.menu != "" {
		waitConsole(t, d, g.Guest, regexp.QuoteMeta(tc.menu), 2*time.Minute)
		t.Logf("%s: menu after %.1fs", tc.name, time.Since(g.BootStarted).Seconds())
		// GRUB redraws the line per key under TCG and drops keys faster
		// than about 85 ms apart.
		err := bootkeys.Type(ctx, strings.ReplaceAll(tc.keys, "{{url}}", url), 100*time.Millisecond, func(codes []uint) error {
			return d.SendKeys(ctx, g.Name, codes)
		})
		if err != nil {
			t.Fatal(g.WithConsole(err))
		}
	}
	done := waitConsole(t, d, g.Guest, `stand-in installer: (done|failed), \S+`, 10*time.Minute)
	want := tc.completion
	if want == "" {
		want = "halt"
	}
	if done != "stand-in installer: done, "+want {
		t.Fatal(g.WithConsole(fmt.Errorf("%s: the installer ended with %q, want done, %s", tc.name, done, want)))
	}
	installed := time.Since(g.BootStarted)
	if tc.completion == "" {
		waitConsole(t, d, g.Guest, "Press ENTER to quit", 30*time.Second)
		if err := bootkeys.Type(ctx, "<enter>", 0, func(codes []uint) error { return d.SendKeys(ctx, g.Name, codes) }); err != nil {
			t.Fatal(err)
		}
	}
	if tc.console != "" && !consoleHas(t, g.Guest, tc.console) {
		t.Errorf("%s: the console does not say %q", tc.name, tc.console)
	}
	if url != "" {
		by := srv.fetchedBy(url)
		if len(by) == 0 {
			t.Errorf("%s: nobody fetched the kickstart", tc.name)
		}
		for _, addr := range by {
			if addr != g.IP.String() {
				t.Errorf("%s: the kickstart was fetched by %v, want only the install's reserved address %s", tc.name, by, g.IP)
				break
			}
		}
	}
	stopCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := d.WaitStopped(stopCtx, g.Name); err != nil {
		t.Fatal(g.WithConsole(fmt.Errorf("%s: the install domain did not end: %w", tc.name, err)))
	}
	wall := time.Since(g.BootStarted)
	g.Remove()
	g.ReleaseAddress()

	// The installed disk, booted alone.
	sys := newStandinGuest(t, w, d, "installed-"+tc.name)
	sys.boot(t, sys.spec(disk))
	c := sys.waitSSH(t, "builder", key, 5*time.Minute)
	defer c.Close()
	sshAfter := time.Since(sys.BootStarted)
	checkInstalled(t, tc.name, sys, key, c)
	sys.shutdown(t)
	t.Logf("%s ok: installer done %.1fs, install wall %.1fs; installed system SSH %.1fs", tc.name, installed.Seconds(), wall.Seconds(), sshAfter.Seconds())
}

// standinKickstart is the kickstart every case installs with.
func standinKickstart(name, completion, key string) string {
	return fmt.Sprintf(`# stand-in installer self-test (%[1]s)
text
lang en_US.UTF-8
keyboard --vckeymap=us
timezone UTC --utc
network --bootproto=dhcp --device=link --activate --hostname=standin-%[1]s
rootpw --iscrypted %[2]s
user --name=builder --groups=wheel,adm --iscrypted --password=%[2]s --gecos="Packer builder"
sshkey --username=builder "%[3]s"
sshkey --username=root "%[3]s"
zerombr
clearpart --all --initlabel
autopart --type=plain
bootloader --location=mbr --append="console=ttyS0,115200"
firstboot --disabled
selinux --enforcing

%%packages
@core
%%end

%%post --log=/root/ks-post.log
echo "builder ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/builder
chmod 0440 /etc/sudoers.d/builder
echo "written by %%post (%[1]s)" >/root/standin-post-marker
%%end

%%post --nochroot
echo "written by %%post --nochroot (%[1]s)" >/mnt/sysimage/root/standin-nochroot-marker
%%end

%[4]s
`, name, standinPasswordHash, key, completion)
}

// checkInstalled looks around the installed system as the kickstart's
// user, and as root with the key the kickstart gave both.
func checkInstalled(t *testing.T, name string, sys *standinGuest, key ssh.Signer, c *ssh.Client) {
	t.Helper()
	out, err := sshRun(c, `set -e
echo "hostname=$(hostname)"
echo "id=$(id)"
echo "post=$(sudo -n cat /root/standin-post-marker)"
echo "nochroot=$(sudo -n cat /root/standin-nochroot-marker)"
echo "root-shadow=$(sudo -n getent shadow root | cut -d: -f2)"
echo "root-size=$(df -m / | awk 'NR == 2 { print $2 }')M"`)
	t.Logf("%s: the installed system says:\n%s", name, out)
	if err != nil {
		t.Fatalf("%s: commands in the installed system failed: %v", name, err)
	}
	for _, want := range []string{
		"hostname=standin-" + name,
		"post=written by %post (" + name + ")",
		"nochroot=written by %post --nochroot (" + name + ")",
		"root-shadow=" + standinPasswordHash,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("%s: the installed system does not say %q", name, want)
		}
	}
	if !regexp.MustCompile(`(?m)^id=.*\(wheel\)`).MatchString(out) {
		t.Errorf("%s: builder is not in wheel", name)
	}
	root := sys.waitSSH(t, "root", key, time.Minute)
	defer root.Close()
	if _, err := sshRun(root, "true"); err != nil {
		t.Errorf("%s: root cannot log in with the kickstart's sshkey: %v", name, err)
	}
}

// extractFromISO copies images/pxeboot/NAME out of the ISO into dir, for a
// direct kernel boot, as boot_mode = "kernel" does.
func extractFromISO(t *testing.T, iso, dir, name string) string {
	t.Helper()
	dst := filepath.Join(dir, name)
	if err := isoimage.Extract(context.Background(), iso, "/images/pxeboot/"+name, dst); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// waitConsole waits until a line of the guest's serial console matches
// re, and returns the match; the guest ending first fails the test.
func waitConsole(t *testing.T, d *libvirtdriver.Conn, g *guest.Guest, re string, within time.Duration) string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	deadline := time.Now().Add(within)
	for {
		// The console is a file on this host: reading it costs the guest
		// nothing, unlike asking libvirt.
		if text, err := guest.ConsoleTail(g.ConsoleLog, 1<<20); err == nil {
			if m := pattern.FindString(text); m != "" {
				return m
			}
		}
		if running, err := d.DomainRunning(context.Background(), g.Name); err != nil || !running {
			t.Fatal(g.WithConsole(fmt.Errorf("the domain ended before its console showed /%s/", re)))
		}
		if time.Now().After(deadline) {
			t.Fatal(g.WithConsole(fmt.Errorf("the console did not show /%s/ within %s", re, within)))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func consoleHas(t *testing.T, g *guest.Guest, s string) bool {
	t.Helper()
	text, err := guest.ConsoleTail(g.ConsoleLog, 1<<20)
	return err == nil && strings.Contains(text, s)
}

// kickstartServer serves kickstarts on the world network's bridge address,
// as the builder's server does, and remembers who fetched what.
type kickstartServer struct {
	base string
	mu   sync.Mutex
	ks   map[string]string
	by   map[string][]string
}

func startKickstartServer(t *testing.T, d *libvirtdriver.Conn, network string) *kickstartServer {
	t.Helper()
	n, err := d.Network(context.Background(), network)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(n.Gateway.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	s := &kickstartServer{base: "http://" + l.Addr().String(), ks: map[string]string{}, by: map[string][]string{}}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		s.mu.Lock()
		ks, ok := s.ks[req.URL.Path]
		host, _, _ := net.SplitHostPort(req.RemoteAddr)
		s.by[req.URL.Path] = append(s.by[req.URL.Path], host)
		s.mu.Unlock()
		if !ok {
			http.NotFound(rw, req)
			return
		}
		rw.Write([]byte(ks))
	})}
	go srv.Serve(l)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Log(err)
		}
	})
	return s
}

// serve makes ks available at path and returns its URL.
func (s *kickstartServer) serve(path, ks string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ks[path] = ks
	return s.base + path
}

// fetchedBy lists the addresses that fetched url.
func (s *kickstartServer) fetchedBy(url string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.by[strings.TrimPrefix(url, s.base)]...)
}
