#!/usr/bin/env bash
# build.sh OUT_DIR GUEST_QCOW2 — builds the two stand-in CentOS installer
# ISOs that our tests boot where a CentOS boot/DVD ISO would be used (real
# ones cannot be downloaded on the machines this project is built on). See
# README.md beside this file.
#
#   OUT_DIR/standin-installer-isolinux.iso   ISOLINUX menu (CentOS 7, Stream 8/9)
#   OUT_DIR/standin-installer-grub.iso       GRUB2 menu (Stream 10, BIOS)
#   OUT_DIR/<each>.iso.sha256                sha256sum format
#
# Both carry the same payload under volume id STANDIN-INSTALL:
# images/pxeboot/vmlinuz + initrd.img (Debian's cloud kernel — the stand-in
# guest's own — and a busybox initramfs whose /init is init.sh), and
# standin/disk.raw.gz, the stand-in guest disk GUEST_QCOW2 as a raw image
# with its root file system shrunk to the minimum (the installer grows it to
# fill the target disk), gzip -1.
#
# Needs root (mknod of /dev/console in the initramfs) and: qemu-utils, fdisk
# (sfdisk), e2fsprogs (debugfs, e2fsck, resize2fs), busybox-static,
# isolinux, syslinux-common, grub-pc-bin, mtools, xorriso, gzip. No network.
# Every file is written atomically; the .sha256 files are written last, so a
# reader that finds them finds the ISOs they describe.
set -euo pipefail
umask 022

readonly VOLID=STANDIN-INSTALL
readonly ISO_ISOLINUX=standin-installer-isolinux.iso
readonly ISO_GRUB=standin-installer-grub.iso
# console=ttyS0 last: it becomes /dev/console, so the installer's progress
# (and the kernel's, without `quiet`) lands in the serial log tests read.
readonly BOOT_ARGS="inst.stage2=hd:LABEL=$VOLID console=tty0 console=ttyS0,115200"
# What the installer's /init loads (dependencies are added from the kernel's
# modules.dep): virtio PCI, disk, NIC and SCSI; IDE CD-ROMs (the pc
# machine's PIIX; the cloud kernel has no AHCI) and SCSI disks/CD-ROMs;
# ISO 9660; FAT for an OEMDRV disk. ext4, crc32c and AF_PACKET are built in.
readonly MODULES=(
	virtio_pci virtio_blk virtio_net virtio_scsi
	ata_piix ata_generic sr_mod sd_mod
	isofs vfat nls_cp437 nls_ascii nls_utf8
)
readonly ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
readonly ISOHYBRID_MBR=/usr/lib/ISOLINUX/isohdpfx.bin
readonly SYSLINUX_BIOS=/usr/lib/syslinux/modules/bios
readonly GRUB_PC=/usr/lib/grub/i386-pc
readonly BUSYBOX=/bin/busybox

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly here

log() { printf '[installer %(%T)T] %s\n' -1 "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Microseconds since the epoch; locale-proof (EPOCHREALTIME may use a comma).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# since START_US — seconds elapsed, one decimal.
since() {
	local d=$(($(now_us) - $1))
	printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}

work=
out_tmps=()
cleanup() {
	local rc=$?
	trap '' INT TERM
	[[ -z $work ]] || rm -rf --one-file-system "$work"
	((${#out_tmps[@]} == 0)) || rm -f "${out_tmps[@]}"
	exit "$rc"
}

require_tools() {
	local t missing=()
	for t in qemu-img sfdisk debugfs e2fsck resize2fs dumpe2fs xorriso grub-mkrescue mformat gzip sha256sum; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	for t in "$ISOLINUX_BIN" "$ISOHYBRID_MBR" "$SYSLINUX_BIOS"/{ldlinux,menu,libutil,libcom32}.c32 "$GRUB_PC/modinfo.sh" "$BUSYBOX"; do
		[[ -r $t ]] || missing+=("$t")
	done
	((${#missing[@]} == 0)) || die "missing: ${missing[*]} (apt-get install qemu-utils fdisk e2fsprogs busybox-static isolinux syslinux-common grub-pc-bin mtools xorriso)"
	# The initramfs has no libc: its busybox must be the static one.
	"$BUSYBOX" --list | grep -qx udhcpc || die "$BUSYBOX lacks udhcpc: install busybox-static"
	local ldd_out
	ldd_out=$(LC_ALL=C ldd "$BUSYBOX" 2>&1) || true
	[[ $ldd_out == *'not a dynamic executable'* ]] || die "$BUSYBOX is dynamically linked: install busybox-static"
	return 0
}

# debugfs_root CMD — a debugfs request against the guest's root file system,
# read straight from the raw disk at its offset (no loop device, no mount).
debugfs_root() {
	debugfs -R "$1" "$work/disk.raw?offset=$root_off" 2>/dev/null
}

# guest_disk GUEST — the guest as a raw file; sets root_start/root_sectors
# (partition 2, the ext4 root) and root_off (bytes).
guest_disk() {
	local t0 line
	t0=$(now_us)
	qemu-img convert -f qcow2 -O raw "$1" "$work/disk.raw"
	line=$(sfdisk --dump "$work/disk.raw" | sed -n 's/^.*disk\.raw2 : start= *\([0-9]*\), size= *\([0-9]*\),.*$/\1 \2/p')
	read -r root_start root_sectors <<<"$line"
	[[ $root_start =~ ^[0-9]+$ && $root_sectors =~ ^[0-9]+$ ]] || die "no partition 2 in the guest image: $line"
	root_off=$((root_start * 512))
	log "guest disk: $(($(stat -c %s "$work/disk.raw") >> 20)) MiB raw, root at sector $root_start ($(since "$t0") s)"
}

# kernel_and_modules — vmlinuz and the modules /init loads, from the guest's
# own root file system, into $work/vmlinuz and $work/initramfs; sets kver.
kernel_and_modules() {
	local t0 mdir m f p
	t0=$(now_us)
	kver=$(debugfs_root 'ls -p /lib/modules' | awk -F/ '$6 ~ /^[0-9]/ { print $6 }' | sort -V | tail -n1)
	[[ -n $kver ]] || die "no /lib/modules/<version> in the guest image"
	debugfs_root "dump /boot/vmlinuz-$kver $work/vmlinuz" >/dev/null
	[[ -s $work/vmlinuz ]] || die "no /boot/vmlinuz-$kver in the guest image"
	mdir=$work/initramfs/lib/modules/$kver
	mkdir -p "$mdir"
	for f in modules.dep modules.builtin; do
		debugfs_root "dump /lib/modules/$kver/$f $work/$f" >/dev/null
		[[ -s $work/$f ]] || die "no /lib/modules/$kver/$f in the guest image"
	done

	# Load order: every module after its dependencies. modules.dep lists, for
	# each module, all the modules it needs (transitively).
	local -A path_of=() deps_of=() seen=()
	local -a order=()
	local line name
	while IFS= read -r line; do
		p=${line%%:*}
		name=${p##*/}
		name=${name%.ko*}
		path_of[${name//-/_}]=$p
		deps_of[$p]=${line#*:}
	done <"$work/modules.dep"
	visit() {
		local p=$1 d
		[[ -z ${seen[$p]:-} ]] || return 0
		seen[$p]=1
		for d in ${deps_of[$p]}; do visit "$d"; done
		order+=("$p")
	}
	for m in "${MODULES[@]}"; do
		if [[ -n ${path_of[$m]:-} ]]; then
			visit "${path_of[$m]}"
		elif grep -Eq "/$m\.ko" "$work/modules.builtin"; then
			log "module $m is built into $kver"
		else
			die "kernel $kver has no module $m"
		fi
	done
	for p in "${order[@]}"; do
		mkdir -p "$mdir/${p%/*}"
		debugfs_root "dump /lib/modules/$kver/$p $mdir/$p" >/dev/null
		[[ -s $mdir/$p ]] || die "cannot read /lib/modules/$kver/$p from the guest image"
	done
	printf '%s\n' "${order[@]}" >"$mdir/standin.load"
	log "kernel $kver, ${#order[@]} modules: $(printf '%s ' "${order[@]##*/}")($(since "$t0") s)"
}

# initramfs OUT — busybox, /init and its helpers, the modules; gzip'd newc cpio.
initramfs() {
	local out=$1 root=$work/initramfs a t0
	t0=$(now_us)
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,run,mnt,tmp}
	install -m 0755 "$BUSYBOX" "$root/bin/busybox"
	while read -r a; do
		[[ -e $root/$a ]] || ln -s /bin/busybox "$root/$a"
	done < <("$BUSYBOX" --list-full)
	install -m 0755 "$here/init.sh" "$root/init"
	install -m 0755 "$here/udhcpc.sh" "$root/etc/udhcpc.sh"
	install -m 0644 "$here/kickstart.awk" "$root/etc/kickstart.awk"
	# The kernel opens /dev/console for /init before /init mounts devtmpfs.
	mknod -m 0600 "$root/dev/console" c 5 1
	(cd "$root" && find . -print0 | LC_ALL=C sort -z | "$BUSYBOX" cpio -o -0 -H newc --renumber-inodes --ignore-devno 2>/dev/null) | gzip -9 >"$out"
	log "initramfs: $(($(stat -c %s "$out") >> 10)) KiB ($(since "$t0") s)"
}

# payload OUT_DIR — standin/disk.raw.gz: the guest disk up to the end of its
# root file system shrunk to the minimum (the partition table still says
# what the guest image says; the installer grows partition and file system
# to the target disk), plus its sha256 (for rd.live.check) and the size the
# target disk must have at least (the guest image's virtual size).
payload() {
	local dir=$1 t0 blocks bsize rc=0
	t0=$(now_us)
	mkdir -p "$dir"
	dd if="$work/disk.raw" of="$work/root.img" bs=1M iflag=skip_bytes skip="$root_off" status=none
	e2fsck -fy "$work/root.img" >/dev/null 2>&1 || rc=$?
	((rc <= 1)) || die "e2fsck of the guest's root file system failed (status $rc)"
	resize2fs -M "$work/root.img" >/dev/null 2>&1 || die "resize2fs -M of the guest's root file system failed"
	blocks=$(dumpe2fs -h "$work/root.img" 2>/dev/null | awk -F: '$1 == "Block count" { print $2 + 0 }')
	bsize=$(dumpe2fs -h "$work/root.img" 2>/dev/null | awk -F: '$1 == "Block size" { print $2 + 0 }')
	[[ $blocks =~ ^[0-9]+$ && $bsize =~ ^[0-9]+$ ]] || die "cannot read the shrunk file system's size"
	{
		head -c "$root_off" "$work/disk.raw"
		head -c $((blocks * bsize)) "$work/root.img"
	} | gzip -1 >"$dir/disk.raw.gz"
	rm -f "$work/root.img"
	(cd "$dir" && sha256sum disk.raw.gz >disk.raw.gz.sha256)
	stat -c %s "$work/disk.raw" >"$dir/disk.size"
	cat >"$dir/README.txt" <<-EOF
		Stand-in CentOS installer payload (packer-plugin-centos test fixture).
		disk.raw.gz: the stand-in guest disk (Debian bookworm), root file system
		shrunk to $(((blocks * bsize) >> 20)) MiB; the installer grows it to fill the target disk.
		disk.size: the smallest target disk in bytes. Not CentOS.
	EOF
	log "payload: $(($(stat -c %s "$dir/disk.raw.gz") >> 20)) MiB gzip'd, $(((root_off + blocks * bsize) >> 20)) MiB raw ($(since "$t0") s)"
}

# common_tree DIR — what both ISOs carry.
common_tree() {
	local dir=$1
	mkdir -p "$dir/images/pxeboot"
	cp "$work/vmlinuz" "$dir/images/pxeboot/vmlinuz"
	initramfs "$dir/images/pxeboot/initrd.img"
	payload "$dir/standin"
	# The productmd .treeinfo real CentOS media carry (kernel and initrd
	# paths), for tools that look there.
	cat >"$dir/.treeinfo" <<-EOF
		[header]
		type = productmd.treeinfo
		version = 1.2

		[release]
		name = CentOS stand-in (Debian bookworm, packer-plugin-centos test fixture)
		short = CentOS-standin
		version = 0

		[tree]
		arch = x86_64
		platforms = x86_64
		variants = BaseOS

		[images-x86_64]
		kernel = images/pxeboot/vmlinuz
		initrd = images/pxeboot/initrd.img

		[checksums]
		images/pxeboot/vmlinuz = sha256:$(sha256sum <"$dir/images/pxeboot/vmlinuz" | cut -d' ' -f1)
		images/pxeboot/initrd.img = sha256:$(sha256sum <"$dir/images/pxeboot/initrd.img" | cut -d' ' -f1)
	EOF
}

# isolinux_tree DIR — the CentOS 7 / Stream 8/9 boot menu (lorax's
# isolinux.cfg, text menu.c32 instead of the graphical vesamenu.c32 so the
# menu is readable on the serial console).
isolinux_tree() {
	local dir=$1/isolinux m
	mkdir -p "$dir"
	cp "$ISOLINUX_BIN" "$dir/"
	for m in ldlinux menu libutil libcom32; do cp "$SYSLINUX_BIOS/$m.c32" "$dir/"; done
	cat >"$dir/isolinux.cfg" <<-EOF
		serial 0 115200
		ui menu.c32
		timeout 600

		menu clear
		menu title CentOS (stand-in)
		menu tabmsg Press Tab for full configuration options on menu items.

		menu separator # insert an empty line
		menu separator # insert an empty line

		label linux
		  menu label ^Install CentOS (stand-in)
		  kernel /images/pxeboot/vmlinuz
		  append initrd=/images/pxeboot/initrd.img $BOOT_ARGS quiet

		label check
		  menu label Test this ^media & install CentOS (stand-in)
		  menu default
		  kernel /images/pxeboot/vmlinuz
		  append initrd=/images/pxeboot/initrd.img $BOOT_ARGS rd.live.check quiet

		menu separator # insert an empty line

		menu begin ^Troubleshooting
		  menu title Troubleshooting CentOS (stand-in)

		label local
		  menu label Boot from ^local drive
		  localboot 0xffff

		menu separator # insert an empty line

		label returntomain
		  menu label Return to ^main menu
		  menu exit

		menu end
	EOF
}

# grub_tree DIR — the Stream 10 BIOS boot menu (lorax's grub2-bios.cfg), on
# the serial console too. The entries' first body line is `linux`, so GRUB's
# editor shows: setparams 'Install ...' / (empty) / linux ... — hence the
# `e<down><down><end>` of Stream 10 boot commands.
grub_tree() {
	local dir=$1/boot/grub
	mkdir -p "$dir"
	cat >"$dir/grub.cfg" <<-EOF
		serial --unit=0 --speed=115200
		terminal_input serial console
		terminal_output serial console
		set default="1"

		function load_video {
		  insmod all_video
		}

		load_video
		set gfxpayload=keep
		insmod gzio
		insmod part_gpt
		insmod ext2
		insmod chain

		set timeout=60
		### END /etc/grub.d/00_header ###

		search --no-floppy --set=root -l '$VOLID'

		### BEGIN /etc/grub.d/10_linux ###
		menuentry 'Install CentOS (stand-in)' --class fedora --class gnu-linux --class gnu --class os {
		${TAB}linux /images/pxeboot/vmlinuz $BOOT_ARGS quiet
		${TAB}initrd /images/pxeboot/initrd.img
		}
		menuentry 'Test this media & install CentOS (stand-in)' --class fedora --class gnu-linux --class gnu --class os {
		${TAB}linux /images/pxeboot/vmlinuz $BOOT_ARGS rd.live.check quiet
		${TAB}initrd /images/pxeboot/initrd.img
		}
		submenu 'Troubleshooting -->' {
		${TAB}menuentry 'Boot first drive' --class fedora --class gnu-linux --class gnu --class os {
		${TAB}${TAB}chainloader (hd0)+1
		${TAB}}
		}
	EOF
}

# xorriso_filter — xorriso's chatter out, its warnings and errors through.
# The volume id warning: ISO 9660 d-characters have no "-", yet every
# CentOS volume id has one (CentOS-Stream-9-BaseOS-x86_64).
xorriso_filter() {
	grep -Ev '^(xorriso [0-9.]+ : RockRidge|xorriso : (NOTE|UPDATE)|xorriso : WARNING : -volid text does not comply|Drive current|Media current|Media status|Media summary|Added to ISO|Written to medium|Writing to |ISO image produced|libisofs|[[:space:]]*$)' >&2 || true
}

# make_isolinux_iso OUT — El Torito (no emulation) + isohybrid MBR.
make_isolinux_iso() {
	local t0
	t0=$(now_us)
	xorriso -as mkisofs -quiet -o "$1" -V "$VOLID" -J -joliet-long -r \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table \
		-isohybrid-mbr "$ISOHYBRID_MBR" \
		"$work/common" "$work/isolinux" 2>&1 | xorriso_filter
	[[ -s $1 ]] || die "xorriso wrote nothing"
	log "$ISO_ISOLINUX: $(($(stat -c %s "$1") >> 20)) MiB ($(since "$t0") s)"
}

# make_grub_iso OUT — grub-mkrescue, BIOS (i386-pc) only: the El Torito
# image is GRUB's cdboot.img + core.img; our grub.cfg is /boot/grub/grub.cfg.
# grub-mkrescue runs `xorriso -as mkisofs ... SOURCES -- EXTRA`: after `--`
# xorriso is in its native mode, so the volume id and Joliet are set with
# native commands there.
make_grub_iso() {
	local t0
	t0=$(now_us)
	grub-mkrescue --directory="$GRUB_PC" --locales= --themes= --fonts= --compress=xz \
		-o "$1" "$work/common" "$work/grub" -- -volid "$VOLID" -joliet on 2>&1 | xorriso_filter
	[[ -s $1 ]] || die "grub-mkrescue wrote nothing"
	log "$ISO_GRUB: $(($(stat -c %s "$1") >> 20)) MiB ($(since "$t0") s)"
}

main() {
	(($# == 2)) || die "usage: build.sh OUT_DIR GUEST_QCOW2"
	((EUID == 0)) || die "must run as root (mknod in the initramfs tree)"
	require_tools

	local out_dir guest t0 iso tmp sum
	out_dir=$(realpath -m -- "$1")
	guest=$(realpath -e -- "$2") || die "no guest image $2"
	t0=$(now_us)

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# ~3 GiB of throw-away files (the raw disk, the root file system): RAM
	# when there is room.
	local tmp_base=/dev/shm
	[[ -d $tmp_base && -w $tmp_base ]] || tmp_base=${TMPDIR:-/tmp}
	work=$(mktemp -d "$tmp_base/standin-installer.XXXXXX")
	mkdir -p -- "$out_dir"
	TAB=$'\t'

	guest_disk "$guest"
	kernel_and_modules
	common_tree "$work/common"
	rm -f "$work/disk.raw"
	isolinux_tree "$work/isolinux"
	grub_tree "$work/grub"

	local -A tmp_of=()
	for iso in "$ISO_ISOLINUX" "$ISO_GRUB"; do
		tmp=$(mktemp "$out_dir/.$iso.XXXXXX")
		out_tmps+=("$tmp" "$tmp.sha256")
		tmp_of[$iso]=$tmp
	done
	make_isolinux_iso "${tmp_of[$ISO_ISOLINUX]}"
	make_grub_iso "${tmp_of[$ISO_GRUB]}"
	for iso in "$ISO_ISOLINUX" "$ISO_GRUB"; do
		tmp=${tmp_of[$iso]}
		chmod 0644 "$tmp"
		sum=$(sha256sum "$tmp" | cut -d' ' -f1)
		printf '%s  %s\n' "$sum" "$iso" >"$tmp.sha256"
		chmod 0644 "$tmp.sha256"
	done
	# ISOs first, checksums second: a reader that finds a .sha256 finds the
	# ISO it describes.
	for iso in "$ISO_ISOLINUX" "$ISO_GRUB"; do
		mv -f -- "${tmp_of[$iso]}" "$out_dir/$iso"
	done
	for iso in "$ISO_ISOLINUX" "$ISO_GRUB"; do
		mv -f -- "${tmp_of[$iso]}.sha256" "$out_dir/$iso.sha256"
	done
	out_tmps=()
	log "built $out_dir/{$ISO_ISOLINUX,$ISO_GRUB} in $(since "$t0") s"
}

main "$@"
