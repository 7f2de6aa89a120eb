package libvirt

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// generalizeScript leaves the guest ready for a first boot. It is POSIX
// sh, runs as root and works on CentOS 7 to Stream 10 (and the Debian
// stand-in): each command is guarded by what the release has.
const generalizeScript = `set -u
say() { echo "generalize: $*"; }
rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub && say "SSH host keys removed"
if [ -f /etc/machine-id ]; then : > /etc/machine-id && say "machine-id emptied"; fi
if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then rm -f /var/lib/dbus/machine-id; fi
if command -v cloud-init >/dev/null 2>&1; then
  cloud-init clean --logs --seed >/dev/null 2>&1 || cloud-init clean --logs >/dev/null 2>&1 || rm -rf /var/lib/cloud/instance /var/lib/cloud/instances /var/lib/cloud/sem
  say "cloud-init state and logs cleaned"
fi
for home in /root $(getent passwd | cut -d: -f6 | sort -u); do
  [ -d "$home" ] || continue
  rm -f "$home/.bash_history" "$home/.zsh_history" "$home/.history" "$home/.python_history" "$home/.lesshst" "$home/.viminfo"
done
say "shell histories removed"
if command -v dnf >/dev/null 2>&1; then dnf -q clean all >/dev/null 2>&1
elif command -v yum >/dev/null 2>&1; then yum -q clean all >/dev/null 2>&1; rm -rf /var/cache/yum/*
elif command -v apt-get >/dev/null 2>&1; then apt-get clean >/dev/null 2>&1; rm -rf /var/lib/apt/lists/*
fi
say "package caches cleaned"
rm -f /var/lib/dhclient/* /var/lib/dhcp/*.leases /var/lib/NetworkManager/*.lease 2>/dev/null
rm -f /var/lib/systemd/random-seed
find /tmp /var/tmp -mindepth 1 -xdev -delete 2>/dev/null
say "DHCP leases, random seed and temporary files removed"
if command -v journalctl >/dev/null 2>&1; then journalctl -q --rotate >/dev/null 2>&1 && journalctl -q --vacuum-time=1s >/dev/null 2>&1; fi
sync
exit 0`

// stepGeneralize runs generalizeScript over SSH as the last thing the build
// does in the guest, unless `generalize = false`.
type stepGeneralize struct{}

func (stepGeneralize) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	if !r.config.enabled() {
		r.ui.Say("Not generalizing the image (generalize = false)")
		return multistep.ActionContinue
	}
	r.ui.Say("Generalizing the image for its first boot")
	comm := state.Get("communicator").(packersdk.Communicator)
	cmd := "sh -c " + verifier.ShellQuote(generalizeScript)
	if r.config.Comm.SSHUsername != "root" {
		cmd = "sudo -n " + cmd
	}
	var out bytes.Buffer
	rc := &packersdk.RemoteCmd{Command: cmd, Stdout: &out, Stderr: &out}
	if err := rc.RunWithUi(ctx, comm, r.ui); err != nil {
		return fail(state, fmt.Errorf("generalize the image: %w", err))
	}
	if rc.ExitStatus() != 0 {
		return fail(state, fmt.Errorf("generalize the image: exit status %d: %s", rc.ExitStatus(), strings.TrimSpace(out.String())))
	}
	return multistep.ActionContinue
}

func (stepGeneralize) Cleanup(multistep.StateBag) {}
