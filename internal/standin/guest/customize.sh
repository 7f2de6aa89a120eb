#!/usr/bin/env bash
# customize.sh ROOT — turns the freshly bootstrapped Debian tree at ROOT into a
# cloud-style guest that behaves, for our tests, like a CentOS GenericCloud
# image: cloud-init (NoCloud) configures it at first boot, DHCP on the first
# NIC, SSH up without baked-in host keys, root locked, a login on ttyS0.
#
# build.sh passes this file to mmdebstrap as a --customize-hook, so it runs on
# the host, as root, after all packages are installed and while /proc, /sys
# and /dev are mounted inside ROOT (chroot works). It is part of the image
# recipe: world.sh hashes it into the cache key.
set -euo pipefail
umask 022

root=${1:?usage: customize.sh ROOT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly root here
# shellcheck source=internal/standin/guest/write.sh
. "$here/write.sh"

# cloud-init: only NoCloud (the seed ISO our tests attach) and the None
# fallback, so it never waits on network metadata services that do not exist
# in the test world. Network config stays ours (below) — otherwise cloud-init
# writes its own fallback config and DHCP behaviour depends on its version.
# Host keys: ECDSA and Ed25519 only. Generating RSA-3072 (and DSA) takes
# 10-20 s of an emulated (TCG) CPU at first boot, and every SSH client we
# test with (packer's Go client, OpenSSH) accepts the other two.
write etc/cloud/cloud.cfg.d/99-standin.cfg <<'EOF'
# packer-plugin-centos stand-in guest (see internal/standin/README.md)
datasource_list: [NoCloud, None]
network: {config: disabled}
ssh_genkeytypes: [ecdsa, ed25519]
# As CentOS's cloud.cfg: sshd takes no passwords (cloud-init writes
# PasswordAuthentication no at first boot).
ssh_pwauth: false
# Debian's cloud-init runs `locale-gen en_US.UTF-8`, which generates nothing
# (Debian's locale-gen reads /etc/locale.gen), so update-locale fails and
# `cloud-init status` reports an error. C.UTF-8 is built into glibc, needs no
# generation, and is what CentOS cloud images use.
locale: C.UTF-8
# The modules of a CentOS GenericCloud image's cloud.cfg that mean anything
# here; Debian's own (apt, snap, byobu, grub-dpkg, landscape, lxd, puppet,
# chef, ...) only cost Python imports, which under TCG take seconds of
# every boot.
cloud_init_modules: [migrator, seed_random, bootcmd, write-files, growpart, resizefs, disk_setup,
  mounts, set_hostname, update_hostname, update_etc_hosts, users-groups, ssh]
cloud_config_modules: [ssh-import-id, locale, set-passwords, timezone, disable-ec2-metadata, runcmd]
cloud_final_modules: [package-update-upgrade-install, write-files-deferred, scripts-vendor,
  scripts-per-once, scripts-per-boot, scripts-per-instance, scripts-user, ssh-authkey-fingerprints,
  keys-to-console, phone-home, final-message, power-state-change]
EOF

# systemd-networkd: DHCPv4 on whatever the first NIC is called. No IPv6
# link-local or router solicitations: there is nothing to answer them, and
# they only add noise and wait time to a TCG boot.
write etc/systemd/network/50-standin-dhcp.network <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
chroot "$root" systemctl enable systemd-networkd.service systemd-resolved.service
# resolved's stub resolver, as on a systemd-resolved host; mmdebstrap copied the
# build host's resolv.conf, which means nothing inside a guest.
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

# The test world has no route to any mirror: the apt timers would only burn
# TCG cycles in the middle of a test and then fail.
chroot "$root" systemctl disable apt-daily.timer apt-daily-upgrade.timer
# e2scrub checks LVM snapshots, of which the stand-in has none; its reaper
# would still take 6 s of emulated CPU at every boot.
chroot "$root" systemctl disable e2scrub_reap.service e2scrub_all.timer

# No SSH host keys in the image: every instance must get its own, exactly like
# a cloud image. cloud-init's ssh module generates them at first boot, ordered
# before ssh.service. The drop-in is the safety net CentOS has too
# (sshd-keygen@.service): if cloud-init did not run, sshd still starts instead
# of failing its `sshd -t` pre-check on missing keys. It only acts when there
# is no host key at all: `ssh-keygen -A` alone would add the slow RSA key that
# cloud-init was told to skip.
rm -f "$root"/etc/ssh/ssh_host_*
write etc/systemd/system/ssh.service.d/10-standin-keygen.conf <<'EOF'
[Service]
ExecStartPre=
ExecStartPre=/bin/sh -c 'ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || exec /usr/bin/ssh-keygen -A'
ExecStartPre=/usr/sbin/sshd -t
EOF

# Nobody logs in as root with a password; keys come from cloud-init only.
chroot "$root" passwd --quiet --lock root

# Identity: an empty machine-id makes systemd treat the first boot as first
# boot and generate a fresh id (and DHCP client id) per instance. dbus keeps
# its own copy, which must not survive either.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# mmdebstrap copied the build host's name; cloud-init sets the real one.
echo localhost >"$root/etc/hostname"

# Root by device path, matching the kernel command line in syslinux.cfg: the
# stand-in's only supported disk bus is virtio.
write etc/fstab <<'EOF'
# <file system> <mount point> <type> <options>         <dump> <pass>
/dev/vda2       /             ext4   errors=remount-ro 0      1
EOF

# Leave nothing host- or build-specific behind. mmdebstrap removes the apt
# lists and package cache itself after this hook.
rm -rf "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
	"$root"/var/lib/dpkg/*-old "$root"/var/log/apt/eipp.log.xz
find "$root/var/log" -type f -exec truncate -s 0 {} +
