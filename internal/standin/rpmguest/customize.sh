#!/usr/bin/env bash
# customize.sh ROOT — makes the stand-in tree at ROOT look like CentOS where
# our checks look: an RPM database holding a few signed RPMs, a signed local
# dnf repository, SELinux enforcing with the tree's files labelled, auditd,
# and firewalld allowing ssh. See README.md.
#
# build.sh passes it to mmdebstrap as a second --customize-hook, after
# ../guest/customize.sh: it runs on the host, as root, with /proc, /sys and
# /dev mounted inside ROOT. It is part of the image recipe: the fixtures
# hash this directory into the image's cache key.
set -euo pipefail
umask 022

root=${1:?usage: customize.sh ROOT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly root here

# shellcheck source=internal/standin/guest/write.sh
. "$here/../guest/write.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build_rpm SPEC [RPMBUILD_ARGS...] — builds SPEC's noarch RPM into
# $tmp/rpms. The name format leaves out rpmbuild's per-arch directory.
build_rpm() {
	local spec=$1
	shift
	rpmbuild -bb --quiet --define "_topdir $tmp/build" --define "_rpmdir $tmp/rpms" \
		--define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' \
		"$@" "$here/specs/$spec.spec" >/dev/null
}
for spec in standin-release standin-tools standin-hello standin-unsigned; do
	build_rpm "$spec"
done
build_rpm standin-hello --define 'hello_version 1.1'

# A throwaway signing key, made here and gone with $tmp: only its public
# half stays in the image, as a distribution's key does. No passphrase:
# nothing outlives this build to protect.
export GNUPGHOME=$tmp/gnupg
install -d -m 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key \
	'packer-plugin-centos stand-in signing key <standin@invalid>' rsa3072 sign never
key_dir=etc/pki/rpm-gpg
install -d -m 0755 "$root/$key_dir"
gpg --batch --armor --export standin@invalid >"$root/$key_dir/RPM-GPG-KEY-standin"
chmod 0644 "$root/$key_dir/RPM-GPG-KEY-standin"

# Every RPM but the unsigned one is signed. rpmsign asks gpg for a
# passphrase through a tty unless told there is none to ask on.
signed=()
for rpm in "$tmp"/rpms/*.rpm; do
	[[ $rpm == */standin-unsigned-* ]] || signed+=("$rpm")
done
GPG_TTY=/dev/null rpmsign --addsign --define '_gpg_name standin@invalid' \
	--define "__gpg $(command -v gpg)" "${signed[@]}" >/dev/null

# The repository on the guest's disk, and the unsigned RPM beside it (not in
# it) for the test that installs it by hand.
install -d -m 0755 "$root/srv/standin-repo" "$root/srv/standin-faults"
install -m 0644 "${signed[@]}" "$root/srv/standin-repo/"
install -m 0644 "$tmp"/rpms/standin-unsigned-*.rpm "$root/srv/standin-faults/"
createrepo_c --quiet --simple-md-filenames "$root/srv/standin-repo"

# Debian's rpm keeps a per-user database (~/.rpmdb) so that it never
# competes with dpkg; CentOS's is the system's, in /var/lib/rpm.
write etc/rpm/macros.standin <<'MACROS'
# packer-plugin-centos RPM stand-in: one system RPM database, as on CentOS
%_dbpath /var/lib/rpm
MACROS
install -d -m 0755 "$root/var/lib/rpm"
chroot "$root" rpm --initdb
chroot "$root" rpm --import "/$key_dir/RPM-GPG-KEY-standin"
# --force-debian: Debian's rpm refuses to install on a dpkg system without it.
chroot "$root" rpm -i --force-debian \
	"/srv/standin-repo/$(basename "$tmp"/rpms/standin-release-*.rpm)" \
	"/srv/standin-repo/$(basename "$tmp"/rpms/standin-tools-*.rpm)"

write etc/yum.repos.d/standin.repo <<'REPO'
[standin]
name=packer-plugin-centos stand-in repository
baseurl=file:///srv/standin-repo
enabled=1
gpgcheck=1
repo_gpgcheck=0
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-standin
metadata_expire=never
REPO

# Identity: an RPM-family os-release, so tools (ours among them) take the
# RPM paths. The Debian one stays readable as /usr/lib/os-release.debian.
cp "$root/usr/lib/os-release" "$root/usr/lib/os-release.debian"
rm -f "$root/etc/os-release"
write etc/os-release <<'OSRELEASE'
NAME="packer-plugin-centos RPM stand-in"
VERSION="9"
ID=pcentos-rpm-standin
ID_LIKE="rhel centos fedora"
VERSION_ID="9"
PRETTY_NAME="packer-plugin-centos RPM stand-in 9 (Debian inside)"
OSRELEASE

# firewalld: ssh allowed in the default zone, configured offline (the
# daemon is not running here). Debian's default zone is public, as
# CentOS's, and already allows ssh; this makes sure of it.
chroot "$root" firewall-offline-cmd --zone=public --query-service=ssh >/dev/null ||
	chroot "$root" firewall-offline-cmd --zone=public --add-service=ssh >/dev/null
chroot "$root" systemctl enable firewalld.service auditd.service

# Debian's cloud-init.service runs before sysinit.target with no default
# dependencies; firewalld (after sysinit, before network-pre) turns that
# into an ordering cycle that systemd breaks by dropping cloud-init. As on
# CentOS, cloud-init's first stage is an ordinary service after sysinit.
sed -e '/^DefaultDependencies=no$/d' -e '/^Before=sysinit.target$/d' \
	-e '/^Conflicts=shutdown.target$/d' -e '/^Before=shutdown.target$/d' \
	"$root/lib/systemd/system/cloud-init.service" >"$root/etc/systemd/system/cloud-init.service"
chmod 0644 "$root/etc/systemd/system/cloud-init.service"

# SELinux: Debian's reference policy plus a small local module for what it
# does not foresee in this image (selinux/standin.te), enforcing.
checkmodule -M -m -o "$tmp/standin.mod" "$here/selinux/standin.te" >/dev/null
semodule_package -o "$root/tmp/standin.pp" -m "$tmp/standin.mod"
chroot "$root" semodule -i /tmp/standin.pp
rm -f "$root/tmp/standin.pp"
sed -i -e 's/^SELINUX=.*/SELINUX=enforcing/' -e 's/^SELINUXTYPE=.*/SELINUXTYPE=default/' \
	"$root/etc/selinux/config"

# CentOS's modes for the files the verifier's sensitive_file_modes knows
# (shadow-utils keeps a file's mode when it rewrites it; root reads them
# anyway): Debian's are 0640 root:shadow and 0644.
chown root:root "$root/etc/shadow" "$root/etc/gshadow"
chmod 0000 "$root/etc/shadow" "$root/etc/gshadow"
chmod 0600 "$root/etc/ssh/sshd_config"
rm -f "$root/etc/shadow-" "$root/etc/gshadow-"

# The package tools' logs and caches of this build are not the image's.
rm -rf "$root/var/cache/dnf"/* "$root/var/lib/rpm/.rpm.lock" "$root/var/lib/rpm/.dbenv.lock"
find "$root/var/log" -type f -exec truncate -s 0 {} +
