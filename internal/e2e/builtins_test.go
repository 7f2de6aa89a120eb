//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// faultsProvisioner breaks, after the user's own steps, one thing each of
// the built-in checks below exists to catch. The generalize operations
// that would repair some of them are skipped, as a careless template
// might.
const faultsProvisioner = `
  provisioner "shell" {
    inline = [
      "set -e",
      # authorized_keys_expected: a key nobody accounted for.
      "echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFeV2b1r6XH0Jf0bR9Vx1l3rQ9jS1mS5v3a2W6yF3mFQ intruder@e2e' | sudo tee -a /root/.ssh/authorized_keys",
      # sensitive_file_modes: a world-readable shadow.
      "sudo chmod 0644 /etc/shadow",
      # root_login_locked: a root password.
      "sudo usermod -p '$6$e2esalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./0123456789abcdefghij' root",
      # package_integrity: a packaged file altered after install.
      "echo '# tampered' | sudo tee -a /usr/bin/ssh-copy-id",
      # no_installer_leftovers: the installer's copy of the kickstart.
      "echo 'rootpw --iscrypted $6$x$y' | sudo tee /root/anaconda-ks.cfg",
      # network_not_pinned: a link file bound to the build VM's MAC.
      "printf '[Match]\\nMACAddress=%s\\n\\n[Link]\\nName=eth0\\n' $(cat /sys/class/net/eth0/address) | sudo tee /etc/systemd/network/10-build-vm.link",
      # no_unexpected_sudoers: an account with passwordless sudo.
      "sudo useradd -m -s /bin/sh intruder",
      "echo 'intruder ALL=(ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/intruder",
      "sudo chmod 0440 /etc/sudoers.d/intruder",
      # second_boot: host keys made anew at every boot.
      "printf '[Unit]\\nDescription=e2e: new host keys at every boot\\nBefore=ssh.service\\n\\n[Service]\\nType=oneshot\\nExecStart=/bin/sh -c \"rm -f /etc/ssh/ssh_host_*; ssh-keygen -A\"\\n\\n[Install]\\nWantedBy=multi-user.target\\n' | sudo tee /etc/systemd/system/e2e-rekey.service",
      "sudo systemctl enable e2e-rekey.service",
      # no_baked_secrets: a private key left in root's home (and the
      # build VM's host keys, with ssh-hostkeys skipped).
      "sudo ssh-keygen -q -t ed25519 -N '' -C baked@e2e -f /root/.ssh/id_ed25519",
    ]
  }
`

// TestBuiltinsCatchFaults: a build of a clean, verified artifact whose
// provisioner breaks one thing for each new built-in, and for the second
// boot, fails packer build;
// the JUnit report fails each of those checks with a message that names
// the cause; the checks the faults do not touch still pass; the artifact
// is untouched by verify.
func TestBuiltinsCatchFaults(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	// The source is the clean artifact: the faults are the only change.
	src := *w
	src.image = artifactCopy(t, w, dir)
	src.imageSHA256 = fileSHA256(t, src.image)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), requiredPlugins+standinSource(&src, "faults", `
  generalize_skip = ["logfiles", "net-hwaddr", "udev-persistent-net", "net-nmconn", "ssh-hostkeys"]`)+`
build {
  sources = ["source.centos-libvirt.faults"]
`+faultsProvisioner+strings.Replace(verifyBlock(w, `    ssh_timeout = "4m"`), noReboot, "", 1)+`
}
`)
	before := takeSnapshot(t, w, tmp)
	if out, code := w.packerRun(t, dir, tmp, time.Minute, "init", "."); code != 0 {
		t.Fatalf("packer init failed (%d):\n%s", code, out)
	}
	out, code := w.packerRun(t, dir, tmp, 12*time.Minute, "build", ".")
	t.Logf("packer build:\n%s", out)
	if code == 0 {
		t.Fatal("a build with every fault injected passed verify")
	}
	suite := readJUnit(t, filepath.Join(dir, "reports", "verify.xml"))
	suite.assertFailsNaming(t, map[string][]string{
		"authorized_keys_expected": {"/root/.ssh/authorized_keys: ssh-ed25519 intruder@e2e (SHA256:"},
		"sensitive_file_modes":     {"/etc/shadow is 0644 root:shadow, at most 0640 root:shadow"},
		"root_login_locked":        {"root has a usable password (SHA-512 hash)"},
		"package_integrity":        {"changed: /usr/bin/ssh-copy-id (digest)"},
		"no_installer_leftovers":   {"/root/anaconda-ks.cfg"},
		"network_not_pinned":       {"/etc/systemd/network/10-build-vm.link (52:54:00:"},
		"no_unexpected_sudoers":    {"intruder has passwordless sudo"},
		"second_boot":              {"SSH host keys were replaced: ", "/etc/ssh/ssh_host_ed25519_key.pub", "made once, at first boot"},
		"no_baked_secrets":         {"SSH host private keys ", "/etc/ssh/ssh_host_ed25519_key", "ssh-hostkeys", "private keys /root/.ssh/id_ed25519"},
	})
	suite.assertUntouched(t, "system_running", "ssh_host_keys_fresh", "machine_id_fresh", "temp_key_absent", "no_shell_history")
	image := filepath.Join(dir, "output-faults", "faults.qcow2")
	recorded, err := os.ReadFile(filepath.Join(filepath.Dir(image), "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := fileSHA256(t, image); !strings.HasPrefix(string(recorded), sum+" ") {
		t.Errorf("verify changed the artifact: sha256 %s, the build recorded %s", sum, recorded)
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}
