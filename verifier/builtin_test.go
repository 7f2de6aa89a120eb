package verifier_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/verifiertest"
	"golang.org/x/crypto/ssh"
)

// builtinSettings gives waiting built-ins a 10s budget: guest-side waits
// are then 8s (10s less the 2s margin).
func builtinSettings() verifier.Settings {
	s := verifier.DefaultSettings()
	s.MaxBootSeconds = 10
	s.Timeout = 5 * time.Second
	return s
}

func builtinCheck(t *testing.T, name string) verifier.Check {
	t.Helper()
	return findBuiltin(t, builtinSettings(), name)
}

func findBuiltin(t *testing.T, s verifier.Settings, name string) verifier.Check {
	t.Helper()
	for _, c := range append(verifier.BuiltinChecks(s), verifier.LastBuiltinChecks(s)...) {
		if c.Metadata().Name == name {
			return c
		}
	}
	t.Fatalf("no built-in check %q", name)
	return nil
}

type builtinCase struct {
	name      string
	responses map[string]verifier.ExecResult
	facts     verifier.Facts
	status    verifier.Status
	message   string
}

func runBuiltinCases(t *testing.T, check string, tests []builtinCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runOne(t, newFake(tt.responses), tt.facts, builtinCheck(t, check))
			if res.Type != "builtin" || res.Name != check {
				t.Errorf("result is %s/%s, want builtin/%s", res.Type, res.Name, check)
			}
			assertResult(t, res, tt.status, tt.message)
		})
	}
}

func TestBuiltinSelection(t *testing.T) {
	names := func(checks []verifier.Check) []string {
		var out []string
		for _, c := range checks {
			out = append(out, c.Metadata().Name)
		}
		return out
	}
	all := verifier.BuiltinNames()
	first, last := all[:len(all)-1], all[len(all)-1:]
	if got := names(verifier.BuiltinChecks(verifier.DefaultSettings())); !reflect.DeepEqual(got, first) {
		t.Errorf("defaults run %v with the first boot's checks, want %v", got, first)
	}
	if got := names(verifier.LastBuiltinChecks(verifier.DefaultSettings())); !reflect.DeepEqual(got, last) || last[0] != "no_baked_secrets" {
		t.Errorf("defaults run %v last, want %v", got, last)
	}
	off := verifier.DefaultSettings()
	off.Disable = []string{"no_baked_secrets"}
	if got := verifier.LastBuiltinChecks(off); len(got) != 0 {
		t.Errorf("disabled, no_baked_secrets still runs: %v", names(got))
	}
	s := verifier.DefaultSettings()
	s.Disable = []string{"cloud_init", "no_avc_denials"}
	want := []string{"system_running", "boot_time", "ssh_host_keys_fresh", "machine_id_fresh", "temp_key_absent", "no_shell_history",
		"authorized_keys_expected", "sensitive_file_modes", "root_login_locked", "package_integrity", "no_installer_leftovers",
		"network_not_pinned", "no_unexpected_sudoers"}
	if got := names(verifier.BuiltinChecks(s)); !reflect.DeepEqual(got, want) {
		t.Errorf("with disable run %v, want %v", got, want)
	}
	s.BuiltinChecks = false
	if got := verifier.BuiltinChecks(s); len(got) != 0 {
		t.Errorf("builtin_checks = false still runs %v", names(got))
	}
}

func TestBuiltinWaitsGetTheBootBudget(t *testing.T) {
	s := verifier.DefaultSettings()
	s.MaxBootSeconds = 600
	for _, c := range verifier.BuiltinChecks(s) {
		m := c.Metadata()
		switch m.Name {
		case "system_running", "cloud_init":
			if m.Timeout != 600*time.Second {
				t.Errorf("%s timeout = %s, want the 600s boot budget", m.Name, m.Timeout)
			}
		case "package_integrity":
			if m.Timeout != 10*time.Minute {
				t.Errorf("%s timeout = %s, want 10m to read every installed file", m.Name, m.Timeout)
			}
		default:
			if m.Timeout != 0 {
				t.Errorf("%s timeout = %s, want the default", m.Name, m.Timeout)
			}
		}
	}
}

func TestSystemRunning(t *testing.T) {
	const wait = "timeout 8 systemctl is-system-running --wait"
	const failed = "systemctl --failed --no-legend --plain"
	runBuiltinCases(t, "system_running", []builtinCase{
		{
			name:      "running",
			responses: map[string]verifier.ExecResult{wait: out("running\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "degraded lists failed units",
			responses: map[string]verifier.ExecResult{
				wait:   exit(1, "degraded\n", ""),
				failed: out("kdump.service loaded failed failed Crash recovery kernel arming\n● bad.mount loaded failed failed /bad\n"),
			},
			status:  verifier.StatusFail,
			message: "expected running, got degraded; failed units: kdump.service, bad.mount",
		},
		{
			name:      "still starting when the wait runs out",
			responses: map[string]verifier.ExecResult{wait: exit(124, "", "")},
			status:    verifier.StatusFail,
			message:   "expected running, got starting after waiting 8s",
		},
	})
}

// systemd before v240 has no --wait: the check polls instead.
func TestSystemRunningPollsOldSystemd(t *testing.T) {
	var polls atomic.Int32
	fake := verifiertest.New().OnResult("timeout 8 systemctl is-system-running --wait",
		exit(1, "", "systemctl: unrecognized option '--wait'\n"))
	fake.Handler = func(_ context.Context, cmd string) (verifier.ExecResult, error) {
		if cmd != "systemctl is-system-running" {
			return verifier.ExecResult{}, fmt.Errorf("unexpected %q", cmd)
		}
		if polls.Add(1) < 3 {
			return exit(1, "starting\n", ""), nil
		}
		return out("running\n"), nil
	}
	res := runOne(t, fake, verifier.Facts{}, builtinCheck(t, "system_running"))
	assertResult(t, res, verifier.StatusPass, "")
	if n := polls.Load(); n != 3 {
		t.Errorf("polled %d times, want 3", n)
	}
}

func TestCloudInit(t *testing.T) {
	const cmd = "command -v cloud-init >/dev/null 2>&1 || { echo 'verifier: cloud-init not found'; exit 0; }; " +
		"timeout 8 cloud-init status --wait --long"
	const warnings = "cloud-init status --format json 2>/dev/null; echo @@verifier@@; " +
		"grep -E '\\[(WARNING|ERROR|CRITICAL)\\]' /var/log/cloud-init.log 2>/dev/null | tail -n 20; true"
	clean := out(`{"status": "done", "errors": [], "recoverable_errors": {}}` + "\n@@verifier@@\n")
	runBuiltinCases(t, "cloud_init", []builtinCase{
		{
			name: "done",
			responses: map[string]verifier.ExecResult{cmd: out(`status: done
extended_status: done
boot_status_code: enabled-by-generator
detail:
DataSourceNoCloud [seed=/dev/sr0][dsmode=net]
errors: []
recoverable_errors: {}
`), warnings: clean},
			status: verifier.StatusPass,
		},
		{
			name:      "older cloud-init without an errors field",
			responses: map[string]verifier.ExecResult{cmd: out("status: done\ntime: Mon, 01 Jan 2024 00:00:00 +0000\ndetail:\nDataSourceNoCloud\n"), warnings: out("@@verifier@@\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "errors",
			responses: map[string]verifier.ExecResult{cmd: exit(1, `status: error
detail:
DataSourceNoCloud
errors:
	- (scripts_user) failed
	- (package_update) failed
recoverable_errors: {}
`, "")},
			status:  verifier.StatusFail,
			message: "expected done without errors, got error with errors: (scripts_user) failed; (package_update) failed",
		},
		{
			name: "recoverable errors, as cloud-init 23.4 and later report them",
			responses: map[string]verifier.ExecResult{
				cmd:      exit(2, "status: done\nerrors: []\nrecoverable_errors:\n  WARNING:\n    - bad key\n", ""),
				warnings: out(`{"status": "done", "errors": [], "recoverable_errors": {"WARNING": ["Invalid cloud-config provided: bad key"], "DEPRECATED": ["Key 'ssh_pwauth' is deprecated"]}}` + "\n@@verifier@@\n"),
			},
			status: verifier.StatusFail,
			message: "expected done without errors, got done with 2 recoverable error(s): WARNING: Invalid cloud-config provided: bad key, " +
				"DEPRECATED: Key 'ssh_pwauth' is deprecated; fix the user-data or the image's cloud.cfg they come from",
		},
		{
			name: "exit status 2 with nothing listed",
			responses: map[string]verifier.ExecResult{
				cmd:      exit(2, "status: done\nerrors: []\n", ""),
				warnings: out(`{"status": "done", "recoverable_errors": {}}` + "\n@@verifier@@\n"),
			},
			status:  verifier.StatusFail,
			message: "got done with exit status 2",
		},
		{
			name: "deprecations alone are no error",
			responses: map[string]verifier.ExecResult{
				cmd:      out("status: done\nerrors: []\n"),
				warnings: out(`{"status": "done", "recoverable_errors": {"DEPRECATED": ["Key 'ssh_pwauth' is deprecated"]}}` + "\n@@verifier@@\n"),
			},
			status: verifier.StatusPass,
		},
		{
			name: "warnings in the log of a release without recoverable_errors (CentOS 7, Debian 12)",
			responses: map[string]verifier.ExecResult{
				cmd: out("status: done\ndetail:\nDataSourceNoCloud\n"),
				warnings: out("@@verifier@@\n2024-01-01 00:00:00,123 - cc_set_passwords.py[WARNING]: Ignoring config 'ssh_pwauth: maybe'\n" +
					"2024-01-01 00:00:01,000 - util.py[WARNING]: Running module runcmd failed\n"),
			},
			status: verifier.StatusFail,
			message: "got done with 2 recoverable error(s): cc_set_passwords.py[WARNING]: Ignoring config 'ssh_pwauth: maybe', " +
				"util.py[WARNING]: Running module runcmd failed;",
		},
		{
			name:      "still running",
			responses: map[string]verifier.ExecResult{cmd: exit(124, "", "")},
			status:    verifier.StatusFail,
			message:   "expected done, got still running after waiting 8s",
		},
		{
			name:      "not installed",
			responses: map[string]verifier.ExecResult{cmd: out("verifier: cloud-init not found\n")},
			status:    verifier.StatusSkip,
			message:   "cloud-init is not installed",
		},
		{
			name:      "disabled",
			responses: map[string]verifier.ExecResult{cmd: out("status: disabled\n")},
			status:    verifier.StatusSkip,
			message:   "cloud-init is disabled",
		},
	})
}

func TestBootTime(t *testing.T) {
	runBuiltinCases(t, "boot_time", []builtinCase{
		{name: "unknown", status: verifier.StatusSkip, message: "not measured"},
		{
			name:    "within the limit",
			facts:   verifier.Facts{BootDuration: 9500 * time.Millisecond},
			status:  verifier.StatusPass,
			message: "booted to SSH in 9.5s",
		},
		{
			name:    "too slow",
			facts:   verifier.Facts{BootDuration: 42 * time.Second},
			status:  verifier.StatusFail,
			message: "expected boot to SSH within 10s, got 42.0s",
		},
	})
}

func TestSSHHostKeysFresh(t *testing.T) {
	const keys = `for f in /etc/ssh/ssh_host_*_key; do [ -e "$f" ] && stat -c '%Y %n' -- "$f"; done; true`
	boot := out("btime 1700000000\n")
	runBuiltinCases(t, "ssh_host_keys_fresh", []builtinCase{
		{
			name: "generated after boot",
			responses: map[string]verifier.ExecResult{btimeCmd: boot,
				keys: out("1700000012 /etc/ssh/ssh_host_ed25519_key\n1699999990 /etc/ssh/ssh_host_rsa_key\n")},
			status: verifier.StatusPass,
		},
		{
			name: "baked into the image",
			responses: map[string]verifier.ExecResult{btimeCmd: boot,
				keys: out("1700000012 /etc/ssh/ssh_host_ed25519_key\n1699990000 /etc/ssh/ssh_host_rsa_key\n")},
			status:  verifier.StatusFail,
			message: "expected host keys generated after boot at 2023-11-14T22:13:20Z, got keys from the image: /etc/ssh/ssh_host_rsa_key (2023-11-14T19:26:40Z)",
		},
		{
			name:      "none",
			responses: map[string]verifier.ExecResult{btimeCmd: boot, keys: out("")},
			status:    verifier.StatusFail,
			message:   "expected SSH host keys in /etc/ssh, got none",
		},
	})
}

func TestMachineIDFresh(t *testing.T) {
	const cmd = "cat /etc/machine-id; echo @@verifier@@; stat -c %Y /etc/machine-id"
	boot := out("btime 1700000000\n")
	const id = "0123456789abcdef0123456789abcdef\n"
	runBuiltinCases(t, "machine_id_fresh", []builtinCase{
		{
			name:      "generated at boot",
			responses: map[string]verifier.ExecResult{btimeCmd: boot, cmd: out(id + "@@verifier@@\n1700000003\n")},
			status:    verifier.StatusPass,
		},
		{
			name:      "baked into the image",
			responses: map[string]verifier.ExecResult{btimeCmd: boot, cmd: out(id + "@@verifier@@\n1600000000\n")},
			status:    verifier.StatusFail,
			message:   "got one from the image written 2020-09-13T12:26:40Z",
		},
		{
			name:      "empty",
			responses: map[string]verifier.ExecResult{btimeCmd: boot, cmd: out("@@verifier@@\n1700000003\n")},
			status:    verifier.StatusFail,
			message:   "expected a machine ID, got an empty /etc/machine-id",
		},
		{
			name:      "uninitialized",
			responses: map[string]verifier.ExecResult{btimeCmd: boot, cmd: out("uninitialized\n@@verifier@@\n1700000003\n")},
			status:    verifier.StatusFail,
			message:   `expected a machine ID of 32 lowercase hex digits, got "uninitialized"`,
		},
		{
			name: "missing",
			responses: map[string]verifier.ExecResult{btimeCmd: boot,
				cmd: exit(1, "@@verifier@@\n", "cat: /etc/machine-id: No such file or directory\n")},
			status:  verifier.StatusFail,
			message: "expected /etc/machine-id, got cat: /etc/machine-id: No such file or directory",
		},
	})
}

func TestTempKeyAbsent(t *testing.T) {
	const cmd = `for d in /root /home/*; do [ -d "$d" ] || continue; if [ ! -x "$d" ]; then echo "@@verifier@@! $d"; continue; fi; ` +
		`f="$d/.ssh/authorized_keys"; if [ -r "$f" ]; then echo "@@verifier@@ $f"; cat -- "$f"; ` +
		`elif [ -e "$f" ]; then echo "@@verifier@@! $f"; fi; done; true`
	temp, tempLine := newPublicKey(t, "packer_temp")
	_, otherLine := newPublicKey(t, "admin@laptop")
	facts := verifier.Facts{ForbiddenKeys: []string{tempLine}}
	runBuiltinCases(t, "temp_key_absent", []builtinCase{
		{name: "no key given", status: verifier.StatusSkip, message: "no temporary key"},
		{
			name:      "removed",
			facts:     facts,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ /home/centos/.ssh/authorized_keys\n" + otherLine + "\n")},
			status:    verifier.StatusPass,
		},
		{
			name:  "left behind, with options and another comment",
			facts: facts,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ /root/.ssh/authorized_keys\n" + otherLine +
				"\n@@verifier@@ /home/centos/.ssh/authorized_keys\n# build key\nno-pty " + strings.Replace(tempLine, "packer_temp", "renamed", 1) + "\n")},
			status:  verifier.StatusFail,
			message: "expected the temporary build key to be removed, got it authorized in /home/centos/.ssh/authorized_keys (" + ssh.FingerprintSHA256(temp) + ")",
		},
		{
			name:      "unreadable home",
			facts:     facts,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@! /root\n")},
			status:    verifier.StatusError,
			message:   "cannot read /root; run as root or with sudo",
		},
		{
			name:      "bad forbidden key",
			facts:     verifier.Facts{ForbiddenKeys: []string{"not a key"}},
			status:    verifier.StatusError,
			message:   "forbidden key 1 is not a public key",
			responses: map[string]verifier.ExecResult{cmd: out("")},
		},
	})
}

// newPublicKey returns a fresh public key and its authorized_keys line.
func newPublicKey(t *testing.T, comment string) (ssh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))) + " " + comment
	return pk, line
}

func TestNoShellHistory(t *testing.T) {
	const cmd = `for d in /root /home/*; do [ -d "$d" ] || continue; if [ ! -x "$d" ]; then echo "@@verifier@@! $d"; continue; fi; ` +
		`for f in .bash_history .history .zsh_history; do [ -s "$d/$f" ] && echo "@@verifier@@ $d/$f"; done; done; true`
	runBuiltinCases(t, "no_shell_history", []builtinCase{
		{name: "clean", responses: map[string]verifier.ExecResult{cmd: out("")}, status: verifier.StatusPass},
		{
			name:      "history left",
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ /root/.bash_history\n@@verifier@@ /home/centos/.zsh_history\n")},
			status:    verifier.StatusFail,
			message:   "expected no shell history, got /root/.bash_history, /home/centos/.zsh_history",
		},
		{
			name:      "unreadable",
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@! /home/alice\n")},
			status:    verifier.StatusError,
			message:   "cannot read /home/alice",
		},
	})
}

// avcDenialsCmd reads the audit log (--input-logs: over SSH ausearch
// would read its empty standard input instead) and the kernel's, which
// alone has the denials of the boot before auditd started.
const avcDenialsCmd = "if command -v ausearch >/dev/null 2>&1; then echo ausearch; " +
	"ausearch --input-logs -m AVC,USER_AVC -ts boot 2>&1; echo @@verifier@@; " +
	"journalctl -k -b -q --no-pager 2>&1 | grep -E 'avc: +denied'; " +
	"else echo journal; journalctl -b -q --no-pager 2>&1 | grep -E 'avc: +denied'; fi; true"

func TestNoAVCDenials(t *testing.T) {
	enforcing := out("Enforcing\n")
	runBuiltinCases(t, "no_avc_denials", []builtinCase{
		{
			name:      "SELinux disabled",
			responses: map[string]verifier.ExecResult{getenforceCmd: out("Disabled\n")},
			status:    verifier.StatusSkip,
			message:   "SELinux is disabled",
		},
		{
			name:      "no denials",
			responses: map[string]verifier.ExecResult{getenforceCmd: enforcing, avcDenialsCmd: out("ausearch\n<no matches>\n@@verifier@@\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "denial in the audit log",
			responses: map[string]verifier.ExecResult{getenforceCmd: enforcing, avcDenialsCmd: out("ausearch\n----\ntime->Tue Nov 14 22:13:30 2023\n" +
				`type=AVC msg=audit(1700000010.123:99): avc:  denied  { read } for  pid=812 comm="httpd" name="index.html" scontext=system_u:system_r:httpd_t:s0 tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0` + "\n@@verifier@@\n")},
			status:  verifier.StatusFail,
			message: "expected no AVC denials since boot, got 1, first: httpd (httpd_t) denied read on file index.html (user_home_t); a file with a wrong label",
		},
		{
			name: "denial before auditd started, in the kernel log only",
			responses: map[string]verifier.ExecResult{getenforceCmd: enforcing, avcDenialsCmd: out("ausearch\n<no matches>\n@@verifier@@\n" +
				`Dec 02 12:16:04 localhost kernel: audit: type=1400 audit(1796213764.000:4): avc:  denied  { write } for  pid=175 comm="mkdir" name="/" dev="tmpfs" ino=1 scontext=system_u:system_r:systemd_generator_t:s0 tcontext=system_u:object_r:var_run_t:s0 tclass=dir permissive=0` + "\n")},
			status:  verifier.StatusFail,
			message: "got 1, first: mkdir (systemd_generator_t) denied write on dir / (var_run_t);",
		},
		{
			name: "a D-Bus denial names no command",
			responses: map[string]verifier.ExecResult{getenforceCmd: enforcing, avcDenialsCmd: out("ausearch\n" +
				`type=USER_AVC msg=audit(1796213770.1:20): pid=1 uid=100 auid=4294967295 ses=4294967295 subj=system_u:system_r:system_dbusd_t:s0 msg='avc:  denied  { send_msg } for msgtype=method_call interface=org.freedesktop.PolicyKit1.Authority member=CheckAuthorization dest=org.freedesktop.PolicyKit1 spid=309 tpid=315 scontext=system_u:system_r:systemd_hostnamed_t:s0 tcontext=system_u:object_r:policykit_t:s0 tclass=dbus permissive=0 exe="/usr/bin/dbus-daemon"'` + "\n@@verifier@@\n")},
			status:  verifier.StatusFail,
			message: "first: (systemd_hostnamed_t) denied send_msg on dbus (policykit_t);",
		},
		{
			name: "denial in the journal, no auditd",
			responses: map[string]verifier.ExecResult{getenforceCmd: out("Permissive\n"), avcDenialsCmd: out("journal\n" +
				`Nov 14 22:13:30 host kernel: audit: type=1400 audit(1700000010.123:99): avc:  denied  { read } for pid=812` + "\n")},
			status:  verifier.StatusFail,
			message: "got 1, first: Nov 14 22:13:30 host kernel",
		},
		{
			name:      "audit log unreadable",
			responses: map[string]verifier.ExecResult{getenforceCmd: enforcing, avcDenialsCmd: out("ausearch\nError opening config file (Permission denied)\n@@verifier@@\n")},
			status:    verifier.StatusError,
			message:   "ausearch: Error opening config file (Permission denied)",
		},
	})
}
