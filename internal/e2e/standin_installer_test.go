//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/bootkeys"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// installerCase is one way of running the stand-in installer.
type installerCase struct {
	name string
	// iso names the env var of the installer ISO.
	iso string
	// menu is what the boot menu shows on the serial console, keys what
	// is typed into it; without a menu the installer's kernel is booted
	// directly with cmdline.
	menu, keys, cmdline string
	// ksLabel is the label of the CD that carries ks.cfg.
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
// installer ISO the ways no other test does — the kickstart on a labelled
// disk, on a CD by path, and from the OEMDRV CD behind the default menu
// entry's media check — and ends each install the three ways a kickstart
// can (reboot, poweroff, none: Anaconda's halt). Each installed disk is
// then read without booting it: the kickstart's hostname, accounts, keys
// and %post scripts are there. The ISOLINUX and GRUB menus with the
// kickstart over HTTP, and the kernel booted with an OEMDRV CD, are what
// TestInstallFromISO drives through packer, which also boots the
// installed disks and logs in with the kickstart's key.
func TestStandInInstaller(t *testing.T) {
	w := requireWorld(t)
	const stage2 = "inst.stage2=hd:LABEL=STANDIN-INSTALL"
	cases := []installerCase{
		// No console= at all: the installer mirrors its lines to ttyS0.
		{name: "hdlabel", iso: "WORLD_INSTALLER_ISO_ISOLINUX", cmdline: stage2 + " inst.ks=hd:LABEL=OEMDRV:/ks.cfg",
			ksLabel: "OEMDRV", completion: "reboot", console: "read kickstart /ks.cfg from /dev/sr1"},
		{name: "cdrom", iso: "WORLD_INSTALLER_ISO_ISOLINUX", cmdline: stage2 + " console=ttyS0,115200 inst.ks=cdrom:/ks.cfg",
			ksLabel: "KSCD", completion: "poweroff", console: "read kickstart /ks.cfg from /dev/sr1"},
		// <enter> boots the default entry, the media check; the kickstart
		// has no completion command, so the installer halts as Anaconda
		// does, until <enter>.
		{name: "check", iso: "WORLD_INSTALLER_ISO_ISOLINUX", menu: "Press Tab for full configuration", keys: "<enter>",
			ksLabel: "OEMDRV", console: "stand-in installer: medium check passed"},
	}
	d := openDriver(t, w)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iso := os.Getenv(tc.iso)
			if iso == "" {
				t.Fatalf("%s is not set: the test world builds the stand-in installer ISOs", tc.iso)
			}
			installStandIn(t, w, d, tc, iso)
		})
	}
}

func installStandIn(t *testing.T, w *world, d *libvirtdriver.Conn, tc installerCase, iso string) {
	ctx := context.Background()
	g := newStandinGuest(t, w, d, "installer-"+tc.name)
	disk := filepath.Join(g.dir, "disk.qcow2")
	if err := qemuimg.CreateBlank(ctx, disk, 3<<30); err != nil {
		t.Fatal(err)
	}
	_, pub := newKey(t)
	ks := standinKickstart(tc.name, tc.completion, pub)
	spec := g.spec(disk)
	spec.StopOnReboot = true // the installer's reboot ends it, as in a build
	spec.CDROMs = []domainxml.Disk{{Path: iso, Format: "raw"}}
	ksISO := filepath.Join(g.dir, "ks.iso")
	if err := isoimage.Write(ctx, ksISO, tc.ksLabel, map[string][]byte{"ks.cfg": []byte(ks)}); err != nil {
		t.Fatal(err)
	}
	spec.CDROMs = append(spec.CDROMs, domainxml.Disk{Path: ksISO, Format: "raw"})
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
		err := bootkeys.Type(ctx, tc.keys, 100*time.Millisecond, func(codes []uint) error {
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
	stopCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := d.WaitStopped(stopCtx, g.Name); err != nil {
		t.Fatal(g.WithConsole(fmt.Errorf("%s: the install domain did not end: %w", tc.name, err)))
	}
	wall := time.Since(g.BootStarted)
	g.Remove()
	g.ReleaseAddress()
	checkInstalledDisk(t, tc.name, disk, pub)
	t.Logf("%s ok: installer done %.1fs, install wall %.1fs", tc.name, installed.Seconds(), wall.Seconds())
}

// checkInstalledDisk reads the installed disk without booting it: what the
// kickstart asked for must be there.
func checkInstalledDisk(t *testing.T, name, disk, key string) {
	t.Helper()
	d := openGuestDisk(t, disk)
	for path, want := range map[string]string{
		"/etc/hostname":                      "standin-" + name + "\n",
		"/root/standin-post-marker":          "written by %post (" + name + ")\n",
		"/root/standin-nochroot-marker":      "written by %post --nochroot (" + name + ")\n",
		"/home/builder/.ssh/authorized_keys": key + "\n",
		"/root/.ssh/authorized_keys":         key + "\n",
		"/etc/sudoers.d/builder":             "builder ALL=(ALL) NOPASSWD: ALL\n",
	} {
		if got, err := d.file(path); err != nil || got != want {
			t.Errorf("%s: %s in the installed disk = %q (%v), want %q", name, path, got, err, want)
		}
	}
	if shadow, err := d.file("/etc/shadow"); err != nil || !strings.Contains(shadow, "\nroot:"+standinPasswordHash+":") && !strings.HasPrefix(shadow, "root:"+standinPasswordHash+":") {
		t.Errorf("%s: root's password hash is not in the installed /etc/shadow (%v)", name, err)
	}
	if group, err := d.file("/etc/group"); err != nil || !regexp.MustCompile(`(?m)^wheel:[^:]*:[0-9]+:(.*,)?builder(,|$)`).MatchString(group) {
		t.Errorf("%s: builder is not in the installed system's wheel group (%v)", name, err)
	}
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
