#!/usr/bin/env bash
# install-deps.sh — installs, on Debian 12, the packages that building,
# testing and the demo need, if any is missing. Needs root (or sudo) and
# Debian's apt mirror; installs nothing when all are present.
set -euo pipefail

packages=(
	# build: cgo bindings to libvirt
	gcc libc6-dev libvirt-dev pkg-config
	# the builder's tools
	qemu-utils xorriso
	# libvirt and qemu for the test world and the demo
	libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 ovmf
	dnsmasq-base iproute2 iptables
	# the stand-in guest image and the stand-in installer ISOs
	mmdebstrap fdisk syslinux syslinux-common extlinux mtools dosfstools e2fsprogs
	isolinux grub-pc-bin grub-common busybox-static cpio gzip
	# the RPM stand-in: its RPMs, their signing key and repository, its
	# SELinux policy module
	rpm createrepo-c gnupg checkpolicy semodule-utils
	# the version-order test asks rpm itself (python3-rpm) and dpkg
	python3-rpm
	# tests: SSH into guests, read artifacts; lint the shell scripts
	openssh-client shellcheck
	# the HTML report's test renders it in a real headless browser
	chromium
	# the containerdisk output's test reads it with skopeo
	skopeo
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
sudo=
if ((EUID != 0)); then
	sudo=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
