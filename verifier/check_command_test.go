package verifier_test

import (
	"errors"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/verifiertest"
)

func TestCommandCheck(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name: "stdout equals after trailing newline",
			src: `check "command" "selinux" {
  run    = "getenforce"
  stdout = "Enforcing"
}`,
			responses: map[string]verifier.ExecResult{"getenforce": out("Enforcing\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "stdout differs",
			src: `check "command" "selinux" {
  run    = "getenforce"
  stdout = "Enforcing"
}`,
			responses: map[string]verifier.ExecResult{"getenforce": out("Permissive\n")},
			status:    verifier.StatusFail,
			message:   `expected stdout "Enforcing", got "Permissive"`,
		},
		{
			name: "exit status",
			src: `check "command" "grep" {
  run = "grep -q root /etc/shadow"
}`,
			responses: map[string]verifier.ExecResult{"grep -q root /etc/shadow": exit(2, "", "grep: /etc/shadow: Permission denied\n")},
			status:    verifier.StatusFail,
			message:   "expected exit status 0, got 2 (stderr: grep: /etc/shadow: Permission denied)",
		},
		{
			name: "expected non-zero exit",
			src: `check "command" "no-telnet" {
  run         = "command -v telnet"
  exit_status = 1
}`,
			responses: map[string]verifier.ExecResult{"command -v telnet": exit(1, "", "")},
			status:    verifier.StatusPass,
		},
		{
			name: "contains and matches",
			src: `check "command" "kernel" {
  run             = "uname -a"
  stdout_contains = ["Linux", "x86_64"]
  stdout_matches  = "el9\\.x86_64"
  stderr          = ""
}`,
			responses: map[string]verifier.ExecResult{"uname -a": out("Linux host 5.14.0-362.el9.x86_64 #1 SMP x86_64 GNU/Linux\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "stdout lacks a string",
			src: `check "command" "kernel" {
  run             = "uname -a"
  stdout_contains = ["aarch64"]
}`,
			responses: map[string]verifier.ExecResult{"uname -a": out("Linux host x86_64\n")},
			status:    verifier.StatusFail,
			message:   `expected stdout to contain "aarch64", got "Linux host x86_64"`,
		},
		{
			name: "stderr matches and contains",
			src: `check "command" "warn" {
  run             = "tool"
  stderr_matches  = "^warning: \\d+ issues$"
  stderr_contains = ["issues"]
}`,
			responses: map[string]verifier.ExecResult{"tool": exit(0, "", "warning: 3 issues\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "stderr does not match",
			src: `check "command" "warn" {
  run            = "tool"
  stderr_matches = "^ok$"
}`,
			responses: map[string]verifier.ExecResult{"tool": exit(0, "", "warning: 3 issues\n")},
			status:    verifier.StatusFail,
			message:   `expected stderr to match "^ok$", got "warning: 3 issues"`,
		},
		{
			name: "stderr differs",
			src: `check "command" "quiet" {
  run    = "tool"
  stderr = ""
}`,
			responses: map[string]verifier.ExecResult{"tool": exit(0, "", "noise\n")},
			status:    verifier.StatusFail,
			message:   `expected stderr "", got "noise"`,
		},
	})
}

func TestCheckExecutorFailureIsAnError(t *testing.T) {
	spec, err := verifier.ParseSource([]byte(`check "command" "c" {
  run = "true"
}`), "spec.hcl")
	if err != nil {
		t.Fatal(err)
	}
	fake := verifiertest.New().OnError("true", errors.New("connection reset"))
	res := runOne(t, fake, verifier.Facts{}, spec.Checks[0])
	assertResult(t, res, verifier.StatusError, "run command: connection reset")
}
