//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun/guestruntest"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// The stand-in's own tests: they boot the stand-in guest and the stand-in
// installer the way a build would, through the plugin's guest, domainxml
// and bootkeys packages but without packer, so that a broken fixture is
// told apart from a broken plugin, and so that the stand-in's boot times
// are measured on their own.

// standinGuest is a domain of the stand-in in the world, driven through
// package guest.
type standinGuest struct {
	*guest.Guest
	dir string
}

// newStandinGuest settles the host for a guest named for the test, with
// its files (disk, console log) in a directory qemu can traverse.
func newStandinGuest(t *testing.T, w *world, d guest.Driver, name string) *standinGuest {
	t.Helper()
	dir, _ := workDir(t)
	ui := testUI{t}
	host, err := guest.CheckHost(context.Background(), d, ui, guest.HostWish{Network: w.network, DomainType: "qemu", MinX86Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	g := &guest.Guest{Driver: d, UI: ui, Name: w.domainPrefix + name, Host: host,
		ConsoleLog: filepath.Join(dir, "console-"+name+".log"), Storage: guest.LocalStorage{Dir: guest.WorkDir(dir)}}
	t.Cleanup(func() {
		g.Remove()
		g.ReleaseAddress()
	})
	return &standinGuest{Guest: g, dir: dir}
}

// spec is the domain the stand-in's self-tests boot: what builds use
// under TCG, 1 GiB, 2 vCPUs, the disk at disk.
func (g *standinGuest) spec(disk string) domainxml.Spec {
	return domainxml.Spec{Machine: "pc", MemoryMiB: 1024, VCPUs: 2, Firmware: "bios",
		Disks: []domainxml.Disk{{Path: disk, Format: "qcow2", Unsafe: true}}}
}

// boot reserves an address and starts the domain.
func (g *standinGuest) boot(t *testing.T, spec domainxml.Spec) {
	t.Helper()
	ctx := context.Background()
	if err := g.ReserveAddress(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
}

// waitSSH waits until user can log in with key, and returns the client.
func (g *standinGuest) waitSSH(t *testing.T, user string, key ssh.Signer, within time.Duration) *ssh.Client {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(within)
	cfg := &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}
	for {
		ip, err := g.WaitForSSH(ctx, 22, deadline)
		if err != nil {
			t.Fatal(g.DiagnoseSSH(ctx, user, within, err))
		}
		c, err := ssh.Dial("tcp", net.JoinHostPort(ip.String(), "22"), cfg)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal(g.DiagnoseSSH(ctx, user, within, err))
		}
		time.Sleep(time.Second) // sshd answers before cloud-init wrote the key
	}
}

// shutdown presses the power button and waits for the domain to stop.
func (g *standinGuest) shutdown(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	if err := g.Shutdown(context.Background(), 2*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// sshRun runs cmd over c and returns its combined output.
func sshRun(c *ssh.Client, cmd string) (string, error) {
	s, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer s.Close()
	// CombinedOutput, not one bytes.Buffer for both streams: they are
	// copied by two goroutines, and Buffer.ReadFrom in one would drop what
	// the other wrote.
	out, err := s.CombinedOutput(cmd)
	return string(out), err
}

// newKey is a fresh key and its authorized_keys line.
func newKey(t *testing.T) (ssh.Signer, string) {
	t.Helper()
	signer := guestruntest.NewSigner(t)
	return signer, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
}

func openDriver(t *testing.T, w *world) *libvirtdriver.Conn {
	t.Helper()
	c, err := libvirtdriver.Open(w.uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testUI shows what a guest says in the test's log.
type testUI struct{ t *testing.T }

func (u testUI) Say(s string)   { u.t.Log(s) }
func (u testUI) Error(s string) { u.t.Log("ERROR: " + s) }

// TestStandInBoots boots each stand-in guest image on a throwaway
// overlay with a NoCloud seed, logs in as root, waits for cloud-init to
// finish cleanly, checks what the image promises, and shuts it down by
// ACPI, logging how long each took: the stand-ins' own boots, which
// builds and verifies are measured against, and the RPM stand-in's
// against the plain one's (one after the other, in one run).
func TestStandInBoots(t *testing.T) {
	w := requireWorld(t)
	plain := bootStandin(t, w, w.image, "standin-boot-check", nil)
	if w.rpmImage == "" {
		t.Fatal("the world names no RPM stand-in image (WORLD_RPM_STANDIN_IMAGE): run world.sh up")
	}
	rpm := bootStandin(t, w, w.rpmImage, "standin-rpm-boot-check", rpmStandinProbes)
	t.Logf("first boot to SSH: stand-in %.1fs, RPM stand-in %.1fs, ratio %.2f",
		plain.Seconds(), rpm.Seconds(), rpm.Seconds()/plain.Seconds())
}

// standinProbe is a command run in a booted stand-in and what its output
// must be.
type standinProbe struct {
	what, cmd, want string
}

// rpmStandinProbes are the RPM stand-in's promises (its README).
var rpmStandinProbes = []standinProbe{
	{"SELinux mode", "getenforce", "Enforcing"},
	{"auditd and firewalld", "systemctl is-active auditd firewalld", "active\nactive"},
	{"ssh allowed by firewalld", "firewall-cmd --query-service=ssh", "yes"},
	{"AVC denials at boot", "ausearch --input-logs -m AVC,USER_AVC -ts boot 2>&1 | grep -c denied; " +
		"journalctl -k -b | grep -c 'avc: *denied'; true", "0\n0"},
	{"RPM database", "rpm -q standin-release standin-tools", "standin-release-9.0-1.st9.noarch\nstandin-tools-2.4.1-3.st9.noarch"},
	{"signed repository", "dnf -q repoquery --qf '%{name}-%{version}' standin-hello 2>&1 | sort", "standin-hello-1.1\nstandin-hello-1.2^20260101git5"},
}

// bootStandin boots image as domain name, checks probes, and returns how
// long the first boot took to SSH.
func bootStandin(t *testing.T, w *world, image, name string, probes []standinProbe) time.Duration {
	t.Helper()
	g := newStandinGuest(t, w, openDriver(t, w), name)
	ctx := context.Background()
	disk := filepath.Join(g.dir, name+".qcow2")
	if err := qemuimg.CreateOverlay(ctx, disk, image, "qcow2", 0); err != nil {
		t.Fatal(err)
	}
	key, pub := newKey(t)
	seed := cloudinit.Seed{InstanceID: g.Name, Hostname: "boot-check", User: "root", AuthorizedKeys: []string{pub}}
	seedISO := filepath.Join(g.dir, name+"-seed.iso")
	if err := seed.WriteISO(ctx, seedISO); err != nil {
		t.Fatal(err)
	}
	spec := g.spec(disk)
	spec.CDROMs = []domainxml.Disk{{Path: seedISO, Format: "raw"}}
	g.boot(t, spec)
	c := g.waitSSH(t, "root", key, 5*time.Minute)
	defer c.Close()
	lease, sshAfter := g.BootPhases(ctx, time.Now()), time.Since(g.BootStarted)
	if out, err := sshRun(c, "cloud-init status --wait"); err != nil || !strings.Contains(out, "status: done") {
		t.Fatalf("%s: cloud-init did not finish cleanly (%v):\n%s", name, err, out)
	}
	cloudInit := time.Since(g.BootStarted)
	for _, p := range probes {
		if out, _ := sshRun(c, p.cmd); strings.TrimSpace(out) != p.want {
			t.Errorf("%s: %s: %q printed %q, want %q", name, p.what, p.cmd, strings.TrimSpace(out), p.want)
		}
	}
	// Where the guest's own boot went, for whoever makes it faster.
	if out, err := sshRun(c, "systemd-analyze; systemd-analyze critical-chain ssh.service; systemd-analyze blame | head -n 15"); err == nil {
		t.Logf("systemd-analyze in %s:\n%s", name, out)
	}
	down := g.shutdown(t)
	t.Logf("%s boot: %s, SSH %.1fs, cloud-init done %.1fs, ACPI shutdown %.1fs",
		name, phases(lease), sshAfter.Seconds(), cloudInit.Seconds(), down.Seconds())
	return sshAfter
}

func phases(ps []guest.Phase) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s %.1fs", p.Name, p.D.Seconds()))
	}
	return strings.Join(parts, ", ")
}
