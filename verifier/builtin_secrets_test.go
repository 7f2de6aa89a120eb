package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestNoBakedSecrets(t *testing.T) {
	const dev = "/dev/disk/by-id/virtio-packer-image"
	cmd := verifier.BakedSecretsCommand(dev)
	attached := verifier.Facts{ImageDevice: dev}
	runBuiltinCases(t, "no_baked_secrets", []builtinCase{
		{name: "clean", facts: attached, status: verifier.StatusPass,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ read /dev/vdb1\n")}},
		{name: "host keys, machine-id and a private key", facts: attached, status: verifier.StatusFail,
			message: "expected no secrets in the image as shipped, got SSH host private keys /etc/ssh/ssh_host_ecdsa_key, /etc/ssh/ssh_host_ed25519_key " +
				"(enable generalize's ssh-hostkeys operation); a machine-id in /etc/machine-id (enable generalize's machine-id operation); " +
				"private keys /root/.ssh/id_ed25519 (remove them in the build: generalize removes only the build's own key): every instance started from it would share them",
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ read /dev/vdb1\n@@verifier@@ host-key /etc/ssh/ssh_host_ecdsa_key\n" +
				"@@verifier@@ host-key /etc/ssh/ssh_host_ed25519_key\n@@verifier@@ machine-id\n@@verifier@@ private-key /root/.ssh/id_ed25519\n")}},
		{name: "the image is on LVM", facts: attached, status: verifier.StatusSkip, message: "on LVM",
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ lvm\n")}},
		{name: "the device never appeared", facts: attached, status: verifier.StatusError, message: "the image did not appear in the guest as " + dev,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ error the image did not appear in the guest as " + dev + "\n")}},
		{name: "no file system read", facts: attached, status: verifier.StatusError, message: "no xfs or ext file system on it",
			responses: map[string]verifier.ExecResult{cmd: out("")}},
		{name: "not plugged in", status: verifier.StatusSkip, message: "not plugged into the guest"},
	})
}
