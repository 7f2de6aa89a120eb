package guest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// BootFailure is a known reason, read off the serial console, why a guest
// will never reach SSH.
type BootFailure struct {
	// Cause names what went wrong, e.g. "emergency mode: /data failed to
	// mount".
	Cause string
	// Line is the console line that shows it.
	Line string
	// Fix says what to do about it.
	Fix string
}

func (f *BootFailure) Error() string {
	return fmt.Sprintf("the guest will not reach SSH: %s (console: %q). %s", f.Cause, f.Line, f.Fix)
}

// bootCause is one pattern of a failed boot. Detect looks at the console
// lines of one boot, cleaned, oldest first, and returns the failure and
// true when its pattern is there. A cause that may still mend itself
// counts only once it has shown for settle; one that only keeps out a
// guest whose login depends on our cloud-init seed needs the seed.
type bootCause struct {
	name      string
	settle    time.Duration
	needsSeed bool
	detect    func(lines []string) (*BootFailure, bool)
}

// lineCause detects a cause one console line shows: the line find picks
// among those re matches, its submatches making the cause.
func lineCause(find func([]string, *regexp.Regexp) (int, []string), re *regexp.Regexp, cause func(m []string) string, fix string) func([]string) (*BootFailure, bool) {
	return func(lines []string) (*BootFailure, bool) {
		i, m := find(lines, re)
		if i < 0 {
			return nil, false
		}
		return &BootFailure{Cause: cause(m), Line: lines[i], Fix: fix}, true
	}
}

// sshdRestartSettle is how long a failed SSH server may take to be
// restarted and start: CentOS's sshd.service restarts it after 42 s.
const sshdRestartSettle = 50 * time.Second

var (
	cpuLevel       = regexp.MustCompile(`Fatal glibc error: CPU does not support (x86-64-v[0-9])`)
	noRootFS       = regexp.MustCompile(`Kernel panic - not syncing: (VFS: Unable to mount root fs.*)`)
	kernelPanic    = regexp.MustCompile(`Kernel panic - not syncing: (.*)`)
	emergency      = regexp.MustCompile(`(?:You are in|Welcome to) (emergency|rescue) mode|Entering (emergency) mode|Cannot open access to console, the root account is locked|Give root password for maintenance`)
	dracutTimeout  = regexp.MustCompile(`dracut-initqueue.*timeout|Could not boot\.`)
	noDevice       = regexp.MustCompile(`Warning: (/dev/\S+) does not exist`)
	failedUnit     = regexp.MustCompile(`\[FAILED\] Failed to (mount|start) (.+?)\.?$|\[ TIME \] Timed out waiting for (device) (.+?)\.?$`)
	dependentMount = regexp.MustCompile(`\[DEPEND\] Dependency failed for (\S+\.mount(?: - .+?)?)\.?$`)
	noDatasource   = regexp.MustCompile(`No instance datasource found|Used fallback datasource`)
	sshdStarted    = regexp.MustCompile(`Started .*(sshd?\.servic|OpenSSH server daemon|OpenBSD Secure Shell server)`)
	sshdFailed     = regexp.MustCompile(`Failed to start .*(sshd?\.servic|OpenSSH server daemon|OpenBSD Secure Shell server)|sshd.*no hostkeys available`)
)

// bootCauses are tried in order: the first that matches names the cause,
// so a cause that brings on another comes before it (glibc refusing the
// CPU panics the kernel; dracut giving up enters emergency mode).
var bootCauses = []bootCause{
	{name: "cpu level", detect: lineCause(lastMatch, cpuLevel,
		func(m []string) string {
			return "the virtual CPU lacks " + m[1] + ", which this release's programs are built for"
		},
		"CentOS Stream 9 needs x86-64-v2 and Stream 10 x86-64-v3: with KVM set cpu_model = \"host-passthrough\"; "+
			"without it a model that has the level, such as \"Haswell-v4\" for v3, or \"max\"")},
	{name: "no root file system", detect: lineCause(firstMatch, noRootFS,
		func(m []string) string { return "kernel panic: " + m[1] },
		"The kernel found no root file system: check root= on the kernel command line and that the initramfs has the disk's driver (virtio_blk); rebuild it with `dracut --regenerate-all --force` in the image")},
	{name: "kernel panic", detect: lineCause(firstMatch, kernelPanic,
		func(m []string) string { return "kernel panic: " + m[1] },
		"Read the lines before the panic in the console log for what the kernel was doing")},
	{name: "dracut timeout", detect: func(lines []string) (*BootFailure, bool) {
		e, _ := lastMatch(lines, emergency)
		d, _ := lastMatch(lines, dracutTimeout)
		if e < 0 || d < 0 {
			return nil, false
		}
		cause := "dracut gave up waiting for the root device and entered its emergency shell"
		if i, m := lastMatch(lines, noDevice); i >= 0 {
			cause = fmt.Sprintf("dracut gave up waiting for the root device %s and entered its emergency shell", m[1])
		}
		return &BootFailure{
			Cause: cause,
			Line:  lines[d],
			Fix:   "The initramfs did not find the root disk: check root= (and rd.lvm.lv=) on the kernel command line against the disk's labels and UUIDs, and that the initramfs has the disk's driver (virtio_blk)",
		}, true
	}},
	{name: "emergency mode", detect: func(lines []string) (*BootFailure, bool) {
		e, m := lastMatch(lines, emergency)
		if e < 0 {
			return nil, false
		}
		mode := "emergency"
		if m[1] == "rescue" {
			mode = "rescue"
		}
		f := &BootFailure{
			Cause: "systemd entered " + mode + " mode",
			Line:  lines[e],
			Fix:   "Read the console log for the unit that failed (journalctl -xb in the guest)",
		}
		// The first failure is the cause; what depends on it fails after.
		if i, m := firstMatch(lines[:e], failedUnit); i >= 0 {
			kind, what := m[1]+m[3], unitTitle(m[2]+m[4])
			f.Line = lines[i]
			switch kind {
			case "start":
				f.Cause += ": " + what + " failed to start"
				f.Fix = "A unit the boot requires failed: read its lines in the console log, or `systemctl status` of it in the guest"
			case "mount":
				f.Cause += ": " + what + " failed to mount"
				f.Fix = "A file system in /etc/fstab did not mount: fix its device (UUID or label) or type, or add `nofail` to mounts that may be absent"
			default:
				f.Cause += ": device " + what + " never appeared"
				// systemd shortens a long device name to the console's
				// width; the mount that waited for it says which it was.
				if _, dm := firstMatch(lines[i:e], dependentMount); dm != nil {
					f.Cause = fmt.Sprintf("systemd entered %s mode: the device for %s (%s) never appeared", mode, unitTitle(dm[1]), what)
				}
				f.Fix = "A file system in /etc/fstab names a disk this guest does not have: fix its UUID or label, or add `nofail` to mounts that may be absent"
			}
		}
		return f, true
	}},
	{name: "no datasource", needsSeed: true, detect: lineCause(lastMatch, noDatasource,
		func([]string) string {
			return "cloud-init found no datasource, so it made no account and installed no SSH key"
		},
		"The guest did not see its NoCloud seed (a cdrom labelled cidata): check that the image's initramfs and kernel have the cdrom drivers (sr_mod, isofs), and that its cloud.cfg datasource_list includes NoCloud")},
	{name: "sshd not started", settle: sshdRestartSettle, detect: func(lines []string) (*BootFailure, bool) {
		// Failed, and not started since: systemd may restart it.
		i, _ := lastMatch(lines, sshdFailed)
		if i < 0 {
			return nil, false
		}
		if j, _ := lastMatch(lines, sshdStarted); j > i {
			return nil, false
		}
		return &BootFailure{
			Cause: "the SSH server failed to start and was not started again",
			Line:  lines[i],
			Fix:   "Run `sshd -t` in the image: a broken sshd_config or missing host keys (`ssh-keygen -A` makes them) stop it",
		}, true
	}},
}

// FindBootFailure names the known reason, if the console lines of one
// boot show one, why the guest will not reach SSH, and how long it must
// keep showing before it counts. seeded says the login depends on
// cloud-init reading our seed; without it, cloud-init finding no
// datasource does not keep anyone out.
func FindBootFailure(lines []string, seeded bool) (f *BootFailure, settle time.Duration, ok bool) {
	for _, c := range bootCauses {
		if c.needsSeed && !seeded {
			continue
		}
		if f, ok := c.detect(lines); ok {
			return f, c.settle, true
		}
	}
	return nil, 0, false
}

// unitTitle is what a person calls a unit systemd printed: the part
// after " - " of "data.mount - /data" (systemd 249 and later), else the
// whole.
func unitTitle(s string) string {
	if _, title, ok := strings.Cut(s, " - "); ok {
		return title
	}
	return s
}

func lastMatch(lines []string, re *regexp.Regexp) (int, []string) {
	for i := len(lines) - 1; i >= 0; i-- {
		if m := re.FindStringSubmatch(lines[i]); m != nil {
			return i, m
		}
	}
	return -1, nil
}

func firstMatch(lines []string, re *regexp.Regexp) (int, []string) {
	for i, l := range lines {
		if m := re.FindStringSubmatch(l); m != nil {
			return i, m
		}
	}
	return -1, nil
}
