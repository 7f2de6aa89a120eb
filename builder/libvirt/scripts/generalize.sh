#!/bin/sh
# generalize.sh — leaves the guest ready for a first boot. The builder runs
# it as root over SSH as the last thing it does in the guest (generalize =
# true, the default). POSIX sh, for CentOS 7 to Stream 10 and the Debian
# stand-in: each command is guarded by what the release has.
set -u
say() { echo "generalize: $*"; }
rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub && say "SSH host keys removed"
if [ -f /etc/machine-id ]; then : >/etc/machine-id && say "machine-id emptied"; fi
if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then rm -f /var/lib/dbus/machine-id; fi
if command -v cloud-init >/dev/null 2>&1; then
	cloud-init clean --logs --seed >/dev/null 2>&1 || cloud-init clean --logs >/dev/null 2>&1 ||
		rm -rf /var/lib/cloud/instance /var/lib/cloud/instances /var/lib/cloud/sem
	say "cloud-init state and logs cleaned"
fi
for home in /root $(getent passwd | cut -d: -f6 | sort -u); do
	[ -d "$home" ] || continue
	rm -f "$home/.bash_history" "$home/.zsh_history" "$home/.history" "$home/.python_history" "$home/.lesshst" "$home/.viminfo"
done
say "shell histories removed"
if command -v dnf >/dev/null 2>&1; then
	dnf -q clean all >/dev/null 2>&1
elif command -v yum >/dev/null 2>&1; then
	yum -q clean all >/dev/null 2>&1
	rm -rf /var/cache/yum/*
elif command -v apt-get >/dev/null 2>&1; then
	apt-get clean >/dev/null 2>&1
	rm -rf /var/lib/apt/lists/*
fi
say "package caches cleaned"
rm -f /var/lib/dhclient/* /var/lib/dhcp/*.leases /var/lib/NetworkManager/*.lease 2>/dev/null
rm -f /var/lib/systemd/random-seed
find /tmp /var/tmp -mindepth 1 -xdev -delete 2>/dev/null
say "DHCP leases, random seed and temporary files removed"
if command -v journalctl >/dev/null 2>&1; then
	journalctl -q --rotate >/dev/null 2>&1 && journalctl -q --vacuum-time=1s >/dev/null 2>&1
fi
sync
exit 0
