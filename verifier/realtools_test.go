package verifier_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// The checks against what the real tools print: each recording in
// testdata/real/<state>/<name>.txt is one command's output on the RPM
// stand-in (internal/standin/rpmguest), which runs Debian's rpm, dnf,
// SELinux, auditd and firewalld, recorded with the command that produced
// it. "clean" is the stand-in after the E2E test's provisioner (dnf
// install standin-hello, firewalld's http opened); "faulted" is that
// after TestRPMStandInFaults' provisioner and a reboot.
//
// To record (both states, booting the stand-in yourself):
//
//	VERIFIER_RECORD_SSH='ssh -i KEY root@GUEST' VERIFIER_RECORD_STATE=clean \
//	  go test ./verifier/ -run TestRealToolRecordings

// realCommands are the recordings by name, each the command the checks
// send, spelled out as in the other tests.
var realCommands = map[string]string{
	"probe":          probeCmd,
	"getenforce":     getenforceCmd,
	"avc-denials":    avcDenialsCmd,
	"rpm-verify":     rpmVerifyCmd,
	"rpm-signatures": rpmSigsCmd,
	"firewall-state": "firewall-cmd --state",
	"firewall-ssh":   "firewall-cmd --query-service=ssh",
	"firewall-http":  "firewall-cmd --query-service=http",
	"rpm-q-tools":    `rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' standin-tools`,
	"rpm-q-hello":    `rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' standin-hello`,
	"rpm-q-unsigned": `rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' standin-unsigned`,
}

// realCases are checks judged on recordings; src is a check block, or
// "builtin NAME".
var realCases = []struct {
	name, state, src string
	recordings       []string
	status           verifier.Status
	message          string
}{
	{"no AVC denials", "clean", "builtin no_avc_denials", []string{"getenforce", "avc-denials"}, verifier.StatusPass, ""},
	{"a mislabelled file read at login", "faulted", "builtin no_avc_denials", []string{"getenforce", "avc-denials"},
		verifier.StatusFail, "first: sshd (sshd_t) denied open on file /etc/motd (auditd_log_t), permissive; a file with a wrong label"},
	{"packages as installed and signed", "clean", "builtin package_integrity", []string{"probe", "rpm-verify", "rpm-signatures"},
		verifier.StatusPass, ""},
	{"a changed file and an unsigned package", "faulted", "builtin package_integrity", []string{"probe", "rpm-verify", "rpm-signatures"},
		verifier.StatusFail, "got: 1 changed: /usr/share/standin-tools/data.txt (size, digest); 1 unsigned package(s): standin-unsigned-0.1-1.st9.noarch"},
	{"enforcing", "clean", `check "selinux" "mode" { mode = "enforcing" }`, []string{"getenforce"}, verifier.StatusPass, ""},
	{"permissive", "faulted", `check "selinux" "mode" { mode = "enforcing" }`, []string{"getenforce"},
		verifier.StatusFail, "expected SELinux enforcing, got permissive"},
	{"ssh allowed", "clean", `check "firewall" "ssh" { service = "ssh" }`, []string{"firewall-state", "firewall-ssh"}, verifier.StatusPass, ""},
	{"http allowed", "clean", `check "firewall" "http" { service = "http" }`, []string{"firewall-state", "firewall-http"}, verifier.StatusPass, ""},
	{"http removed", "faulted", `check "firewall" "http" { service = "http" }`, []string{"firewall-state", "firewall-http"},
		verifier.StatusFail, "service http"},
	{"an epoch in the constraint", "clean", `check "package" "standin-tools" { version = "= 1:2.4.1-3.st9" }`,
		[]string{"probe", "rpm-q-tools"}, verifier.StatusPass, ""},
	{"a caret version between two others", "clean", `check "package" "standin-hello" { version = "> 1.2, < 1.2.1" }`,
		[]string{"probe", "rpm-q-hello"}, verifier.StatusPass, ""},
	{"a caret version is not the release after", "clean", `check "package" "standin-hello" { version = ">= 1.2.1" }`,
		[]string{"probe", "rpm-q-hello"}, verifier.StatusFail, "1.2^20260101git5-1.st9"},
	{"not installed", "clean", `check "package" "standin-unsigned" { installed = false }`,
		[]string{"probe", "rpm-q-unsigned"}, verifier.StatusPass, ""},
	{"installed by hand", "faulted", `check "package" "standin-unsigned" { installed = false }`,
		[]string{"probe", "rpm-q-unsigned"}, verifier.StatusFail, "got installed 0.1-1.st9"},
}

func TestRealToolRecordings(t *testing.T) {
	if ssh := os.Getenv("VERIFIER_RECORD_SSH"); ssh != "" {
		record(t, ssh, os.Getenv("VERIFIER_RECORD_STATE"))
	}
	for _, tc := range realCases {
		t.Run(tc.state+"/"+tc.name, func(t *testing.T) {
			responses := map[string]verifier.ExecResult{}
			for _, name := range tc.recordings {
				cmd, res := readRecording(t, tc.state, name)
				responses[cmd] = res
			}
			var check verifier.Check
			if name, ok := strings.CutPrefix(tc.src, "builtin "); ok {
				check = builtinCheck(t, name)
			} else {
				spec, err := verifier.ParseSource([]byte(tc.src), "spec.hcl")
				if err != nil {
					t.Fatal(err)
				}
				check = spec.Checks[0]
			}
			assertResult(t, runOne(t, newFake(responses), verifier.Facts{}, check), tc.status, tc.message)
		})
	}
}

const recordingSeparator = "---\n"

// readRecording is a recording's command and result. Its command must be
// the one the checks send today: a recording of another command proves
// nothing about this one.
func readRecording(t *testing.T, state, name string) (string, verifier.ExecResult) {
	t.Helper()
	path := filepath.Join("testdata", "real", state, name+".txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it: see TestRealToolRecordings)", err)
	}
	header, stdout, ok := strings.Cut(string(data), recordingSeparator)
	if !ok {
		t.Fatalf("%s: no %q line between the header and the output", path, strings.TrimSpace(recordingSeparator))
	}
	var res verifier.ExecResult
	var cmd string
	var stderr []string
	for _, line := range strings.Split(header, "\n") {
		switch {
		case strings.HasPrefix(line, "# command: "):
			cmd = strings.TrimPrefix(line, "# command: ")
		case strings.HasPrefix(line, "# exit status: "):
			res.ExitStatus, err = strconv.Atoi(strings.TrimPrefix(line, "# exit status: "))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		case strings.HasPrefix(line, "# stderr: "):
			stderr = append(stderr, strings.TrimPrefix(line, "# stderr: ")+"\n")
		}
	}
	if want := realCommands[name]; cmd != want {
		t.Fatalf("%s was recorded from %q, but the checks send %q: record it again", path, cmd, want)
	}
	res.Stdout, res.Stderr = stdout, strings.Join(stderr, "")
	return cmd, res
}

// record runs every command of the state's cases through ssh (a command
// line that takes the remote command as its last argument) and writes
// the recordings.
func record(t *testing.T, ssh, state string) {
	if state != "clean" && state != "faulted" {
		t.Fatalf("VERIFIER_RECORD_STATE=%q: want clean or faulted", state)
	}
	done := map[string]bool{}
	for _, tc := range realCases {
		if tc.state != state {
			continue
		}
		for _, name := range tc.recordings {
			if done[name] {
				continue
			}
			done[name] = true
			cmd := realCommands[name]
			var stdout, stderr bytes.Buffer
			c := exec.Command("sh", "-c", ssh+" "+shellquote.Quote(cmd))
			c.Stdout, c.Stderr = &stdout, &stderr
			status := 0
			if err := c.Run(); err != nil {
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() == 255 {
					t.Fatalf("record %s: %v\n%s", name, err, stderr.String())
				}
				status = exit.ExitCode()
			}
			var b strings.Builder
			fmt.Fprintf(&b, "# recorded on the RPM stand-in (internal/standin/rpmguest), state %s\n", state)
			fmt.Fprintf(&b, "# command: %s\n# exit status: %d\n", cmd, status)
			for _, line := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
				if line != "" {
					fmt.Fprintf(&b, "# stderr: %s\n", line)
				}
			}
			b.WriteString(recordingSeparator)
			b.WriteString(stdout.String())
			dir := filepath.Join("testdata", "real", state)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("recorded %s/%s (exit %d, %d bytes)", state, name, status, stdout.Len())
		}
	}
}
