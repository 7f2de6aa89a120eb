#!/usr/bin/env bash
# build.sh OUT_FILE [VARIANT_DIR] — builds the stand-in guest disk image
# (qcow2) that our tests boot in place of a CentOS GenericCloud image, which
# cannot be downloaded on the machines this project is built on. See
# ../README.md.
#
# VARIANT_DIR (../rpmguest) makes a variant of the same image: its
# variant.sh adds packages (VARIANT_PACKAGES), kernel command-line words
# (VARIANT_CMDLINE) and host tools it needs (VARIANT_TOOLS), and may define
# variant_finalize TREE, run on the finished tree; its customize.sh runs
# after this directory's.
#
# The image is a small Debian bookworm with a cloud kernel, systemd, cloud-init
# and OpenSSH, on an MBR disk: partition 1 is a FAT with syslinux, the kernel
# and the initrd; partition 2 is the ext4 root. It is assembled as a plain file
# (sfdisk, mkfs.fat --offset, mkfs.ext4 -d -E offset, mtools, syslinux
# --offset), so no loop device, no mount and no privileges beyond those
# mmdebstrap's root mode needs.
#
# Writes OUT_FILE atomically and OUT_FILE.sha256 (sha256sum format) beside it.
set -euo pipefail
umask 022

readonly SUITE=bookworm
readonly SECTOR=512
readonly DISK_MIB=2048
# 1 MiB alignment, as every current partitioner does.
readonly BOOT_START=2048
readonly BOOT_SECTORS=$((64 * 1024 * 1024 / SECTOR))
readonly ROOT_START=$((BOOT_START + BOOT_SECTORS))
readonly ROOT_SECTORS=$((DISK_MIB * 1024 * 1024 / SECTOR - ROOT_START))
# console=ttyS0 last makes it the primary console: the whole boot and a login
# prompt land on the serial port, which our tests log to a file.
KERNEL_CMDLINE='root=/dev/vda2 rw console=tty0 console=ttyS0,115200 net.ifnames=0'
readonly SYSLINUX_MBR=/usr/lib/syslinux/mbr/mbr.bin
PACKAGES=(
	linux-image-cloud-amd64 systemd-sysv udev dbus libpam-systemd
	systemd-resolved iproute2 openssh-server cloud-init sudo e2fsprogs procps
	# growpart: cloud-init grows the root partition into an enlarged disk, as
	# on a CentOS cloud image.
	cloud-guest-utils
)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here

LOG_TAG=standin
# shellcheck source=internal/testworld/lib.sh
. "$here/../../testworld/lib.sh"

variant=
VARIANT_PACKAGES=()
VARIANT_CMDLINE=
VARIANT_TOOLS=()
# variant_finalize TREE — nothing for the plain stand-in.
variant_finalize() { :; }

# load_variant DIR — reads the variant's additions.
load_variant() {
	variant=$(cd "$1" && pwd) || die "no variant directory $1"
	[[ -r $variant/variant.sh && -x $variant/customize.sh ]] ||
		die "$variant needs variant.sh and an executable customize.sh"
	# shellcheck source=internal/standin/rpmguest/variant.sh
	. "$variant/variant.sh"
	PACKAGES+=("${VARIANT_PACKAGES[@]}")
	[[ -z $VARIANT_CMDLINE ]] || KERNEL_CMDLINE+=" $VARIANT_CMDLINE"
}

work=
out_tmp=
child=
cleanup() {
	local rc=$?
	trap '' INT TERM
	if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
		# mmdebstrap unmounts and removes what it set up when told to stop.
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if [[ -n $work && -d $work ]]; then
		# mmdebstrap unmounts what it mounted, unless it was SIGKILLed: never
		# let rm walk into a still-mounted /proc, /sys or /dev of the tree.
		local m
		while read -r m; do
			umount -l "$m" || true
		done < <(awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
		rm -rf --one-file-system "$work"
	fi
	[[ -z $out_tmp ]] || rm -f "$out_tmp" "$out_tmp.sha256"
	exit "$rc"
}

require_tools() {
	local t missing=()
	for t in mmdebstrap sfdisk mkfs.fat mkfs.ext4 syslinux mcopy qemu-img sha256sum "${VARIANT_TOOLS[@]}"; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[[ -r $SYSLINUX_MBR ]] || missing+=("$SYSLINUX_MBR")
	((${#missing[@]} == 0)) || die "missing: ${missing[*]} (internal/testworld/install-deps.sh installs them)"
}

# bootstrap TREE — the root file system as a directory.
bootstrap() {
	local tree=$1 t0 hooks=()
	t0=$(now_us)
	[[ -z $variant ]] || hooks=(--customize-hook="$variant/customize.sh")
	log "mmdebstrap $SUITE into $tree"
	# Docs, man pages and translations are dead weight in a test fixture.
	# In the background so that a TERM to this script is acted on at once
	# (bash defers traps while a foreground child runs); cleanup stops it.
	mmdebstrap --variant=apt --mode=root --format=directory --quiet \
		--include="$(
			IFS=,
			echo "${PACKAGES[*]}"
		)" \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--customize-hook="$here/customize.sh" \
		"${hooks[@]}" \
		"$SUITE" "$tree" &
	child=$!
	wait "$child"
	child=
	log "mmdebstrap done in $(since "$t0") s ($(du -sh --one-file-system "$tree" | cut -f1))"
}

# assemble_disk TREE RAW — a bootable MBR disk image file from the tree.
assemble_disk() {
	local tree=$1 raw=$2 t0 kernel initrd boot_off=$((BOOT_START * SECTOR))
	t0=$(now_us)
	kernel=$(find "$tree/boot" -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n1)
	initrd=$(find "$tree/boot" -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n1)
	[[ -n $kernel && -n $initrd ]] || die "no kernel/initrd in $tree/boot"

	truncate -s "${DISK_MIB}M" "$raw"
	# A fixed disk id keeps the table byte-identical between builds.
	sfdisk --quiet "$raw" <<-EOF
		label: dos
		label-id: 0x5eedc0de
		unit: sectors
		start=$BOOT_START, size=$BOOT_SECTORS, type=e, bootable
		start=$ROOT_START, size=$ROOT_SECTORS, type=83
	EOF
	# syslinux's MBR code chain-loads the active partition; it must fit in the
	# 440 bytes before the disk signature and partition table.
	dd if="$SYSLINUX_MBR" of="$raw" bs=440 count=1 conv=notrunc status=none

	# FAT16 boot partition; -h tells its boot sector where it starts on disk.
	# mkfs.fat warns that the file is bigger than the partition: it is meant to.
	mkfs.fat -F 16 -n STANDIN -h "$BOOT_START" --offset="$BOOT_START" \
		"$raw" $((BOOT_SECTORS * SECTOR / 1024)) 2>&1 >/dev/null |
		{ grep -v '^Warning: block count mismatch' >&2 || true; }
	syslinux --install --offset "$boot_off" "$raw"
	local cfg
	cfg=$(mktemp "$work/syslinux.cfg.XXXXXX")
	# SERIAL first so the loader itself talks on ttyS0 too; no menu, no wait.
	cat >"$cfg" <<-EOF
		SERIAL 0 115200
		DEFAULT linux
		PROMPT 0
		TIMEOUT 0
		LABEL linux
		  KERNEL vmlinuz
		  INITRD initrd.img
		  APPEND $KERNEL_CMDLINE
	EOF
	export MTOOLS_SKIP_CHECK=1
	mcopy -o -i "$raw@@$boot_off" "$cfg" ::syslinux.cfg
	mcopy -o -i "$raw@@$boot_off" "$kernel" ::vmlinuz
	mcopy -o -i "$raw@@$boot_off" "$initrd" ::initrd.img

	# ext4 root straight from the directory into its partition of the file.
	mkfs.ext4 -q -F -L standin-root -d "$tree" -E "offset=$((ROOT_START * SECTOR))" \
		"$raw" "$((ROOT_SECTORS * SECTOR / 1024))k"
	log "disk assembled in $(since "$t0") s"
}

# convert RAW QCOW2 — compressed qcow2. zstd: ~5x faster than zlib at about the
# same size; qemu >= 5.1 reads it.
convert() {
	local t0
	t0=$(now_us)
	qemu-img convert -q -f raw -O qcow2 -c -o compression_type=zstd "$1" "$2"
	log "qcow2 written in $(since "$t0") s ($(du -h "$2" | cut -f1))"
}

main() {
	(($# == 1 || $# == 2)) || die "usage: build.sh OUT_FILE.qcow2 [VARIANT_DIR]"
	((EUID == 0)) || die "must run as root (mmdebstrap --mode=root, chroot in customize.sh)"
	(($# == 1)) || load_variant "$2"
	readonly PACKAGES KERNEL_CMDLINE
	require_tools

	local out out_dir sum t0
	out=$(realpath -m -- "$1")
	out_dir=$(dirname "$out")
	t0=$(now_us)

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# The tree and the raw image live in RAM when possible: ~1 GiB of small
	# writes that are thrown away.
	local tmp_base=/dev/shm
	[[ -d $tmp_base && -w $tmp_base ]] || tmp_base=${TMPDIR:-/tmp}
	work=$(mktemp -d "$tmp_base/standin-build.XXXXXX")
	mkdir -p -- "$out_dir"
	out_tmp=$(mktemp "$out_dir/.$(basename "$out").XXXXXX")

	bootstrap "$work/tree"
	variant_finalize "$work/tree"
	assemble_disk "$work/tree" "$work/disk.raw"
	convert "$work/disk.raw" "$out_tmp"
	chmod 0644 "$out_tmp"

	sum=$(sha256sum "$out_tmp" | cut -d' ' -f1)
	printf '%s  %s\n' "$sum" "$(basename "$out")" >"$out_tmp.sha256"
	chmod 0644 "$out_tmp.sha256"
	# Image first, checksum second: a reader that finds the .sha256 finds the
	# image it describes.
	mv -f -- "$out_tmp" "$out"
	mv -f -- "$out_tmp.sha256" "$out.sha256"
	out_tmp=
	log "built $out in $(since "$t0") s, sha256 $sum"
}

main "$@"
