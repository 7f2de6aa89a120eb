package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestServiceCheck(t *testing.T) {
	const (
		isEnabled = "systemctl is-enabled sshd.service"
		isActive  = "systemctl is-active sshd.service"
	)
	runCheckCases(t, []checkCase{
		{
			name: "enabled and running by default",
			src:  `check "service" "sshd" {}`,
			responses: map[string]verifier.ExecResult{
				isEnabled: out("enabled\n"),
				isActive:  out("active\n"),
			},
			status: verifier.StatusPass,
		},
		{
			name: "not running",
			src: `check "service" "sshd" {
  running = true
}`,
			responses: map[string]verifier.ExecResult{isActive: exit(3, "inactive\n", "")},
			status:    verifier.StatusFail,
			message:   "expected active, got inactive",
		},
		{
			name: "must be disabled and is",
			src: `check "service" "sshd" {
  enabled = false
}`,
			responses: map[string]verifier.ExecResult{isEnabled: exit(1, "disabled\n", "")},
			status:    verifier.StatusPass,
		},
		{
			name: "must be disabled but is enabled",
			src: `check "service" "sshd" {
  enabled = false
}`,
			responses: map[string]verifier.ExecResult{isEnabled: out("enabled\n")},
			status:    verifier.StatusFail,
			message:   "expected disabled, got enabled",
		},
		{
			name: "must not run and does not",
			src: `check "service" "sshd" {
  running = false
}`,
			responses: map[string]verifier.ExecResult{isActive: exit(3, "failed\n", "")},
			status:    verifier.StatusPass,
		},
		{
			name: "unknown unit on older systemd",
			src: `check "service" "sshd" {
  enabled = true
}`,
			responses: map[string]verifier.ExecResult{
				isEnabled: exit(1, "", "Failed to get unit file state for sshd.service: No such file or directory\n"),
			},
			status:  verifier.StatusFail,
			message: "expected enabled, got Failed to get unit file state for sshd.service",
		},
		{
			name: "unit type suffix is kept",
			src: `check "service" "sshd.socket" {
  running = true
}`,
			responses: map[string]verifier.ExecResult{"systemctl is-active sshd.socket": out("active\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "unit names are quoted",
			src: `check "service" "getty@tty1" {
  running = true
}`,
			responses: map[string]verifier.ExecResult{"systemctl is-active getty@tty1.service": out("active\n")},
			status:    verifier.StatusPass,
		},
	})
}
