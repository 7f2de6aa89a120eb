package verifier_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

const (
	machineID  = "0123456789abcdef0123456789abcdef"
	ed25519Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFirst"
	rsaKey     = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFirst"
)

// identityOutput is what the identity command prints for a guest.
func identityOutput(hostname, id string, keys ...string) string {
	s := hostname + "\n@@verifier@@\n" + id + "\n@@verifier@@\n"
	for _, k := range keys {
		s += k + "\n"
	}
	return s
}

func TestReadIdentity(t *testing.T) {
	fake := newFake(map[string]verifier.ExecResult{verifier.IdentityCommand: out(identityOutput("web1", machineID,
		"/etc/ssh/ssh_host_ed25519_key.pub "+ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub "+rsaKey))})
	got, err := verifier.ReadIdentity(context.Background(), fake)
	if err != nil {
		t.Fatal(err)
	}
	want := verifier.Identity{Hostname: "web1", MachineID: machineID, HostKeys: map[string]string{
		"/etc/ssh/ssh_host_ed25519_key.pub": ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub": rsaKey}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("identity = %+v, want %+v", got, want)
	}
	if _, err := verifier.ReadIdentity(context.Background(), newFake(map[string]verifier.ExecResult{verifier.IdentityCommand: out("web1\n")})); err == nil ||
		!strings.Contains(err.Error(), "unexpected output") {
		t.Errorf("truncated output read as %v", err)
	}
}

// The second boot passes when the system runs and nothing that makes the
// instance itself changed; each change is named with what it means.
func TestSecondBoot(t *testing.T) {
	const wait = "timeout 8 systemctl is-system-running --wait"
	const failed = "systemctl --failed --no-legend --plain"
	before := verifier.Identity{Hostname: "web1", MachineID: machineID, HostKeys: map[string]string{
		"/etc/ssh/ssh_host_ed25519_key.pub": ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub": rsaKey}}
	same := identityOutput("web1", machineID, "/etc/ssh/ssh_host_ed25519_key.pub "+ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub "+rsaKey)
	tests := []struct {
		name      string
		responses map[string]verifier.ExecResult
		status    verifier.Status
		message   string
	}{
		{name: "unchanged and running", status: verifier.StatusPass,
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out(same)}},
		{name: "a unit fails on the second boot", status: verifier.StatusFail,
			message: "after the reboot: system: expected running, got degraded; failed units: growfs.service",
			responses: map[string]verifier.ExecResult{wait: exit(1, "degraded\n", ""), failed: out("growfs.service loaded failed failed Grow\n"),
				verifier.IdentityCommand: out(same)}},
		{name: "hostname changed", status: verifier.StatusFail, message: `the hostname changed from "web1" to "localhost"`,
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out(identityOutput("localhost", machineID,
				"/etc/ssh/ssh_host_ed25519_key.pub "+ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub "+rsaKey))}},
		{name: "machine-id made anew", status: verifier.StatusFail, message: "/etc/machine-id changed from \"" + machineID + "\" to \"fedcba9876543210fedcba9876543210\": it is made anew at every boot",
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out(identityOutput("web1", "fedcba9876543210fedcba9876543210",
				"/etc/ssh/ssh_host_ed25519_key.pub "+ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub "+rsaKey))}},
		{name: "a new host key", status: verifier.StatusFail,
			message: "new SSH host keys appeared: /etc/ssh/ssh_host_ecdsa_key.pub; host keys must be made once, at first boot",
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out(identityOutput("web1", machineID,
				"/etc/ssh/ssh_host_ecdsa_key.pub ecdsa-sha2-nistp256 AAAAE2", "/etc/ssh/ssh_host_ed25519_key.pub "+ed25519Key, "/etc/ssh/ssh_host_rsa_key.pub "+rsaKey))}},
		{name: "host keys replaced", status: verifier.StatusFail,
			message: "SSH host keys were replaced: /etc/ssh/ssh_host_ed25519_key.pub, /etc/ssh/ssh_host_rsa_key.pub",
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out(identityOutput("web1", machineID,
				"/etc/ssh/ssh_host_ed25519_key.pub ssh-ed25519 AAAAC3Second", "/etc/ssh/ssh_host_rsa_key.pub ssh-rsa AAAAB3Second"))}},
		{name: "host keys gone", status: verifier.StatusFail, message: "the SSH host keys are gone",
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out(identityOutput("web1", machineID))}},
		{name: "identity unreadable", status: verifier.StatusError, message: "unexpected output",
			responses: map[string]verifier.ExecResult{wait: out("running\n"), verifier.IdentityCommand: out("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runOne(t, newFake(tt.responses), verifier.Facts{}, verifier.SecondBootCheck(before, builtinSettings()))
			if res.Type != "builtin" || res.Name != verifier.SecondBootName {
				t.Errorf("result is %s/%s, want builtin/second_boot", res.Type, res.Name)
			}
			assertResult(t, res, tt.status, tt.message)
		})
	}
}
