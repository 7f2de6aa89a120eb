#!/bin/sh
# init.sh — /init (PID 1) of the stand-in CentOS installer's initramfs. See
# README.md beside this file.
#
# It imitates the *plumbing* of Anaconda and dracut that a Packer build
# drives, nothing more: it reads the kernel command line like dracut does
# (inst.ks= / ks=, inst.stage2=, ip=, rd.live.check), finds the kickstart
# where Anaconda would (HTTP, a disk or CD by label, a CD-ROM, or an OEMDRV
# volume when no ks argument is given), finds its install medium by volume
# label, writes a prebuilt system (the stand-in guest image) to the first
# virtio disk instead of installing packages, applies a small subset of the
# kickstart to it (rootpw, group, user, sshkey, network --hostname, %post),
# and ends the way the kickstart says (reboot / poweroff / shutdown / halt).
#
# Runs under busybox sh (ash); POSIX sh plus `set -o pipefail`. The kernel
# starts it with /dev/console (ttyS0: console=ttyS0 is the last console= in
# the boot menus) as stdin/stdout/stderr, so every `log` line lands in the
# serial log that tests read. PID 1 must never exit (the kernel would panic
# and the domain would hang instead of ending): every path ends in
# `finish`, which reboots, powers off or waits forever.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

# Anaconda's names: the installed system is mounted at /mnt/sysimage
# (%post --nochroot scripts use that path; /mnt/sysroot is an alias, as on
# EL9), the install medium at /run/install/repo.
SYSROOT=/mnt/sysimage
MEDIUM=/run/install/repo
KS=/run/install/ks.cfg
KSDIR=/run/install/ks
LOGFILE=/run/install/installer.log
# The first virtio disk: the stand-in system's fstab and boot loader name
# /dev/vda2 as the root, so no other target would boot.
TARGET=/dev/vda
US=$(printf '\037')

# ------------------------------------------------------------- helpers --

# say LINE... — lines on the console, and on the serial port too when the
# console is elsewhere (see MIRROR below).
MIRROR=''
say() {
	printf '%s\n' "$@"
	[ -z "$MIRROR" ] || printf '%s\n' "$@" >"$MIRROR"
}

# log MSG — one line on the console (serial log) and in the installer log
# (copied into the installed system as /var/log/anaconda/anaconda.log).
log() {
	say "stand-in installer: $*"
	[ -d /run/install ] && echo "$(uptime_s) $*" >>"$LOGFILE"
	return 0
}

# uptime_s — seconds since the kernel started, one decimal (for the logs).
uptime_s() {
	read -r u _ </proc/uptime
	echo "${u%?}"
}

# mounted DIR — something is mounted on DIR.
mounted() {
	grep -q " $1 " /proc/mounts
}

# umount_all — everything below SYSROOT (deepest first), SYSROOT, the
# medium and the kickstart source; best effort, we are about to end anyway.
umount_all() {
	awk -v r="$SYSROOT" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
	for m in "$MEDIUM" /run/install/ks-source; do
		if mounted "$m"; then umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; fi
	done
	sync
}

# finish ACTION — end the installer: reboot, poweroff, or halt (Anaconda's
# default: "press ENTER to quit", then reboot).
finish() {
	umount_all
	case $1 in
	reboot) reboot -f ;;
	poweroff) poweroff -f ;;
	halt)
		# Anaconda in text mode prints this and waits for a key on its console,
		# then reboots. A Packer build that forgot reboot/poweroff in its
		# kickstart hangs here exactly as it would with real Anaconda; a test
		# can press Enter on the keyboard (tty1) or the serial console.
		say "Installation complete. Press ENTER to quit:"
		rm -f /run/enter
		(read -r _ </dev/tty1 && : >/run/enter) 2>/dev/null &
		(read -r _ </dev/console && : >/run/enter) 2>/dev/null &
		while [ ! -e /run/enter ]; do sleep 1; done
		reboot -f
		;;
	esac
	# Only reached if the reboot(2) call failed. PID 1 must not exit.
	while :; do sleep 3600; done
}

# fail MSG — the installation cannot go on. Real Anaconda would sit on an
# error screen; powering off lets a test (or Packer) notice at once.
fail() {
	log "error: $*"
	say "stand-in installer: failed, poweroff"
	finish poweroff
}

# now — seconds since the epoch (for durations).
now() { date +%s; }

# decode_label LABEL — dracut-style \xNN escapes (CentOS 7's
# "CentOS\x207\x20x86_64") decoded.
decode_label() {
	printf '%b' "$1"
}

# find_dev SPEC — the device node for LABEL=x, UUID=x, /dev/x or x.
find_dev() {
	case $1 in
	LABEL=* | UUID=*)
		spec=${1%%=*}=$(decode_label "${1#*=}")
		findfs "$spec" 2>/dev/null
		;;
	/dev/*) [ -b "$1" ] && echo "$1" ;;
	*) [ -b "/dev/$1" ] && echo "/dev/$1" ;;
	esac
}

# wait_for SECONDS CMD... — retry CMD every half second until it succeeds;
# device probing (ATA, SCSI, virtio) goes on in the background after
# insmod, and there is no udev to tell us when it is done.
wait_for() {
	n=$(($1 * 2))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.5
	done
}

# --------------------------------------------------------------- setup --

mount -t proc proc /proc
mount -t sysfs sysfs /sys
# The kernel only auto-mounts devtmpfs on a real root, not in an initramfs.
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/install "$KSDIR" "$SYSROOT" "$MEDIUM"
ln -s sysimage /mnt/sysroot
exec </dev/console >/dev/console 2>&1
# Not POSIX, but busybox ash has it: a failing lzop must fail the install.
# shellcheck disable=SC3040
set -o pipefail
T0=$(now)

# The boot menus put console=ttyS0 last, which makes the serial port
# /dev/console. A kernel booted directly (the plugin's kernel-boot mode) may
# get no console= at all: then our lines are mirrored to ttyS0 so that the
# serial log still shows the installer's progress (not the kernel's).
MIRROR=/dev/ttyS0
set -f
# shellcheck disable=SC2013 # the command line is blank-separated words
for arg in $(cat /proc/cmdline); do
	case $arg in
	console=ttyS0*) MIRROR='' ;;
	console=*) MIRROR=/dev/ttyS0 ;;
	esac
done
set +f
if [ -n "$MIRROR" ] && ! stty -F "$MIRROR" 115200 2>/dev/null; then MIRROR=''; fi

log "starting (kernel $(uname -r), $(uptime_s) s after boot)"
log "kernel command line: $(cat /proc/cmdline)"

# Kernel modules, in dependency order (the ISO build computed it from the
# kernel's modules.dep): virtio PCI, disk and NIC, IDE (ata_piix) and
# virtio-scsi CD-ROMs (sr_mod, isofs), FAT for OEMDRV disks. The cloud
# kernel builds ext4, crc32c and AF_PACKET in.
kver=$(uname -r)
while read -r m; do
	insmod "/lib/modules/$kver/$m" 2>/dev/null || log "warning: could not load $m"
done <"/lib/modules/$kver/standin.load"

# ------------------------------------------------------ command line --

ks='' ks_arg='' stage2='' repo='' check='' ipcfg='' rescue=''
set -f
# Word-split on purpose: the command line is blank-separated words.
# shellcheck disable=SC2013
for arg in $(cat /proc/cmdline); do
	case $arg in
	inst.ks=*) ks=${arg#inst.ks=} ks_arg=inst.ks ;;
	ks=*) ks=${arg#ks=} ks_arg=ks ;;
	inst.ks | ks)
		# Anaconda would then ask the DHCP server (next-server/filename).
		ks=dhcp ks_arg=$arg
		;;
	inst.stage2=* | stage2=*) stage2=${arg#*stage2=} ;;
	inst.repo=* | repo=* | method=*) repo=${arg#*=} ;;
	rd.live.check) check=1 ;;
	ip=*) ipcfg=${arg#ip=} ;;
	inst.rescue | rescue) rescue=1 ;;
	esac
done
set +f
[ -z "$rescue" ] || fail "rescue mode is not part of the stand-in"
if [ "$ks_arg" = ks ]; then
	# EL7 accepts it, EL8 warns, EL9 ignores it; the stand-in accepts it.
	log "warning: ks has been deprecated; use inst.ks (accepted by the stand-in)"
fi

# ---------------------------------------------------------- the medium --

# The label the medium is looked up by: inst.stage2=hd:LABEL=X[:/path]
# (what the boot menus pass), else inst.repo=hd:LABEL=X / cdrom:..., else
# none, and any CD-ROM carrying the stand-in's payload will do.
medium_label=
for src in "$stage2" "$repo"; do
	case $src in
	hd:LABEL=* | cdrom:LABEL=*)
		medium_label=${src#*:LABEL=}
		medium_label=$(decode_label "${medium_label%%:*}")
		break
		;;
	esac
done

# try_medium DEV — mount DEV at MEDIUM if it carries the payload.
try_medium() {
	mount -t iso9660 -o ro "$1" "$MEDIUM" 2>/dev/null || return 1
	if [ -f "$MEDIUM/standin/disk.raw.lzo" ]; then
		medium_dev=$1
		return 0
	fi
	umount "$MEDIUM"
	return 1
}

# find_medium — one attempt: by label first, then (after the label had a
# few seconds to show up) every CD-ROM.
tries=0
find_medium() {
	tries=$((tries + 1))
	if [ -n "$medium_label" ]; then
		d=$(findfs "LABEL=$medium_label" 2>/dev/null) && try_medium "$d" && return 0
		[ "$tries" -gt 10 ] || return 1
	fi
	for d in /dev/sr[0-9]*; do
		[ -b "$d" ] && try_medium "$d" && return 0
	done
	return 1
}

log "looking for the install medium${medium_label:+ labelled $medium_label}"
wait_for 30 find_medium || fail "no install medium${medium_label:+ labelled $medium_label} with /standin/disk.raw.lzo (is the ISO on an IDE or virtio-scsi CD-ROM? the stand-in's cloud kernel has no AHCI/SATA driver)"
log "install medium: $medium_dev ($(uptime_s) s after boot)"

if [ -n "$check" ]; then
	# dracut's checkisomd5 stand-in: verify the payload against its checksum.
	log "checking the medium (rd.live.check)"
	t=$(now)
	(cd "$MEDIUM/standin" && sha256sum -c -s disk.raw.lzo.sha256) ||
		fail "the medium is corrupt: /standin/disk.raw.lzo does not match its sha256"
	log "medium check passed in $(($(now) - t)) s"
fi

# ------------------------------------------------------------- network --

# first_nic — the first network interface that is not lo.
first_nic() {
	for n in /sys/class/net/*; do
		n=${n##*/}
		[ "$n" = lo ] && continue
		[ -e "/sys/class/net/$n/device" ] || continue
		echo "$n"
		return 0
	done
	return 1
}

# prefix_len MASK — 24 for 255.255.255.0 (or for 24, or for nothing).
prefix_len() {
	case $1 in
	'') echo 24 ;;
	*.*.*.*)
		bits=0
		old_ifs=$IFS
		IFS=.
		for o in $1; do
			case $o in
			255) bits=$((bits + 8)) ;; 254) bits=$((bits + 7)) ;; 252) bits=$((bits + 6)) ;;
			248) bits=$((bits + 5)) ;; 240) bits=$((bits + 4)) ;; 224) bits=$((bits + 3)) ;;
			192) bits=$((bits + 2)) ;; 128) bits=$((bits + 1)) ;;
			esac
		done
		IFS=$old_ifs
		echo "$bits"
		;;
	*) echo "$1" ;;
	esac
}

# net_up — bring up the network once: dracut's ip= (dhcp, IFACE:dhcp, or
# CLIENT::GW:NETMASK:HOST:IFACE:none), DHCP on the first NIC by default.
net_up() {
	[ -f /run/standin-net ] && return 0
	ip link set lo up
	wait_for 10 first_nic >/dev/null || fail "no network interface"
	nic=$(first_nic)
	case $ipcfg in
	*.*.*.*:*)
		old_ifs=$IFS
		IFS=:
		# shellcheck disable=SC2086 # split the ip= fields on purpose
		set -- $ipcfg
		IFS=$old_ifs
		client=$1 gw=${3-} mask=$(prefix_len "${4-}")
		[ -z "${6-}" ] || nic=$6
		ip link set "$nic" up
		ip addr add "$client/$mask" dev "$nic" || fail "ip=$ipcfg: cannot set the address"
		[ -z "$gw" ] || ip route replace default via "$gw" dev "$nic"
		echo "$nic $client/$mask static" >/run/standin-net
		;;
	*)
		case $ipcfg in *:dhcp) nic=${ipcfg%%:*} ;; esac
		log "DHCP on $nic ($(cat "/sys/class/net/$nic/address"))"
		ip link set "$nic" up
		# 15 discovers 2 s apart: libvirt's dnsmasq pings a new address for
		# ~3 s before offering it.
		udhcpc -i "$nic" -s /etc/udhcpc.sh -f -q -n -t 15 -T 2 >/run/udhcpc.log 2>&1 ||
			fail "no DHCP lease on $nic: $(tail -n 3 /run/udhcpc.log)"
		;;
	esac
	read -r n a _ </run/standin-net
	log "network: $n has $a ($(uptime_s) s after boot)"
}

# client_ip — the address of the installer (as the HTTP server sees it).
client_ip() {
	read -r _ a _ </run/standin-net
	echo "${a%/*}"
}

# ----------------------------------------------------------- kickstart --

# mount_ks_source DEV — DEV read-only at /run/install/ks-source.
mount_ks_source() {
	mkdir -p /run/install/ks-source
	mount -o ro "$1" /run/install/ks-source 2>/dev/null ||
		mount -t iso9660 -o ro "$1" /run/install/ks-source 2>/dev/null
}

# fetch_ks SPEC — the kickstart at SPEC (an inst.ks= value) to $KS.
fetch_ks() {
	spec=$1
	case $spec in
	http://* | https://* | ftp://*)
		net_up
		log "fetching kickstart from $spec (client $(client_ip))"
		i=0
		# Not wget -T: it crashes in Debian's busybox-static 1.35.
		until timeout 30 wget -q -O "$KS" "$spec" 2>/run/wget.log; do
			i=$((i + 1))
			[ "$i" -lt 5 ] || fail "cannot fetch the kickstart from $spec: $(cat /run/wget.log)"
			log "fetching $spec failed ($(cat /run/wget.log)); retrying"
			sleep 2
		done
		log "fetched kickstart $spec from $(client_ip) ($(wc -c <"$KS") bytes)"
		;;
	hd:* | cdrom:*)
		rest=${spec#*:}
		case $rest in
		'') dev='' path=/ks.cfg ;;                # cdrom
		*:*) dev=${rest%%:*} path=${rest#*:} ;;   # hd:LABEL=OEMDRV:/ks.cfg
		/*) dev='' path=$rest ;;                  # cdrom:/ks.cfg
		*) dev=$rest path=/ks.cfg ;;              # hd:LABEL=OEMDRV
		esac
		found=
		if [ -n "$dev" ]; then
			wait_for 15 find_dev "$dev" >/dev/null || fail "inst.ks=$spec: no device $dev"
			d=$(find_dev "$dev")
			mount_ks_source "$d" || fail "inst.ks=$spec: cannot mount $d"
			[ -f "/run/install/ks-source$path" ] && found=$d
		else
			# cdrom:/path: the first CD-ROM that has it.
			for d in /dev/sr[0-9]*; do
				[ -b "$d" ] || continue
				if [ "$d" = "$medium_dev" ]; then
					[ -f "$MEDIUM$path" ] && cp "$MEDIUM$path" "$KS" && found=$d && break
					continue
				fi
				mount_ks_source "$d" || continue
				[ -f "/run/install/ks-source$path" ] && found=$d && break
				umount /run/install/ks-source
			done
		fi
		[ -n "$found" ] || fail "inst.ks=$spec: no $path there"
		[ -f "$KS" ] || cp "/run/install/ks-source$path" "$KS"
		log "read kickstart $path from $found ($(wc -c <"$KS") bytes)"
		;;
	file:*)
		[ -f "${spec#file:}" ] || fail "inst.ks=$spec: no such file in the initramfs"
		cp "${spec#file:}" "$KS"
		;;
	dhcp) fail "'$ks_arg' without a value (kickstart location from DHCP) is not supported by the stand-in" ;;
	*) fail "inst.ks=$spec: unsupported kickstart location (the stand-in reads http(s)://, ftp://, hd:DEV:/path, cdrom[:DEV]:/path, file:/path)" ;;
	esac
}

oemdrv() { findfs LABEL=OEMDRV 2>/dev/null; }

if [ -n "$ks" ]; then
	fetch_ks "$ks"
else
	# Like Anaconda: with no inst.ks, a volume labelled OEMDRV supplies ks.cfg.
	log "no inst.ks= on the command line: looking for a volume labelled OEMDRV"
	if wait_for 5 oemdrv >/dev/null; then
		d=$(oemdrv)
		mount_ks_source "$d" || fail "cannot mount OEMDRV volume $d"
		[ -f /run/install/ks-source/ks.cfg ] || fail "OEMDRV volume $d has no ks.cfg"
		cp /run/install/ks-source/ks.cfg "$KS"
		log "read kickstart ks.cfg from OEMDRV volume $d ($(wc -c <"$KS") bytes)"
	else
		fail "no kickstart: no inst.ks= and no volume labelled OEMDRV (the stand-in has no interactive installer)"
	fi
fi
if mounted /run/install/ks-source; then umount /run/install/ks-source; fi

awk -v dir="$KSDIR" -f /etc/kickstart.awk "$KS" || fail "cannot parse the kickstart"

# each_ks CMD FUNC — FUNC ARGS... for every kickstart command CMD, in order.
each_ks() {
	want=$1 func=$2
	while IFS= read -r line; do
		old_ifs=$IFS
		IFS=$US
		set -f
		# shellcheck disable=SC2086 # split on \037, see kickstart.awk
		set -- $line
		set +f
		IFS=$old_ifs
		[ "$1" = "$want" ] || continue
		shift
		"$func" "$@" </dev/null
	done <"$KSDIR/commands"
}

# Problems the parser found, and everything the stand-in does not do.
# Ignored commands are logged by name only: their arguments may hold
# passwords (sshpw, bootloader --password).
action=
completion=
review() {
	case $1 in
	'!error') fail "kickstart: $2" ;;
	'!warning') log "kickstart warning: $2" ;;
	rootpw | user | group | sshkey | network) ;;
	reboot | poweroff | shutdown | halt)
		# The last one wins, as in pykickstart.
		completion=$1
		case $1 in
		reboot) action=reboot ;;
		poweroff | shutdown) action=poweroff ;;
		halt) action=halt ;;
		esac
		;;
	%post) ;;
	%include | %ksappend) log "kickstart: $1 is not supported by the stand-in: ignored" ;;
	%*) log "kickstart: ignoring the $1 section (not in the stand-in's subset)" ;;
	*) log "kickstart: ignoring '$1' (not in the stand-in's subset)" ;;
	esac
}
while IFS= read -r line; do
	review "${line%%"$US"*}" "${line#*"$US"}"
done <"$KSDIR/commands"
if [ -z "$action" ]; then
	action=halt
	log "kickstart: no reboot/poweroff/shutdown/halt: halt, Anaconda's default (waits for ENTER)"
else
	log "kickstart: completion: $completion"
fi

# ------------------------------------------------------------- install --

log "installing the stand-in system to $TARGET"
wait_for 10 test -b "$TARGET" || fail "no virtio disk $TARGET (the stand-in installs only to the first virtio disk)"
disk_bytes=$(($(cat "/sys/block/${TARGET#/dev/}/size") * 512))
read -r need_bytes <"$MEDIUM/standin/disk.size"
[ "$disk_bytes" -ge "$need_bytes" ] ||
	fail "$TARGET has $((disk_bytes >> 20)) MiB; the stand-in system needs at least $((need_bytes >> 20)) MiB"

t=$(now)
# LZO: busybox unpacks it about three times as fast as gzip, and under TCG
# unpacking is what an install spends most of its time on.
lzop -d -c "$MEDIUM/standin/disk.raw.lzo" | dd of="$TARGET" bs=4M iflag=fullblock 2>/run/dd.log ||
	fail "writing $TARGET failed: $(cat /run/dd.log)"
sync
log "wrote the system image to $TARGET in $(($(now) - t)) s ($(tail -n 1 /run/dd.log))"
blockdev --rereadpt "$TARGET" || fail "cannot re-read the partition table of $TARGET"
wait_for 10 test -b "${TARGET}2" || fail "${TARGET}2 did not appear"
mount -t ext4 "${TARGET}2" "$SYSROOT" || fail "cannot mount ${TARGET}2"
for d in dev proc sys run; do
	mount -o bind "/$d" "$SYSROOT/$d"
done

# in_root CMD... — CMD in the installed system, with a clean environment.
in_root() {
	chroot "$SYSROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# Like autopart: the root partition and file system fill the disk (the
# payload's file system was shrunk to its minimum at build time).
t=$(now)
if in_root growpart "$TARGET" 2 >/run/growpart.log 2>&1 || grep -q NOCHANGE /run/growpart.log; then
	in_root resize2fs "${TARGET}2" >/run/resize2fs.log 2>&1 ||
		fail "resize2fs ${TARGET}2 failed: $(cat /run/resize2fs.log)"
else
	fail "growpart $TARGET 2 failed: $(cat /run/growpart.log)"
fi
log "root file system grown to $(df -m "$SYSROOT" | awk 'NR == 2 { print $2 }') MiB in $(($(now) - t)) s"

# ------------------------------------------------------ the kickstart subset --

# Every option the handlers below read; opt_parse sets them through eval.
opt_hostname='' opt_iscrypted='' opt_lock='' opt_allow_ssh=''
opt_name='' opt_gid='' opt_groups='' opt_password='' opt_gecos='' opt_homedir=''
opt_shell='' opt_uid='' opt_username='' opt_nochroot='' opt_interpreter=''
opt_log='' opt_logfile='' opt_erroronfail='' opt_rest=''

# opt_parse ARGS... — sets opt_KEY for --key=value / --key value / --flag
# (value 1) and leaves the rest in opt_rest (\037-separated). VALUED lists
# the options that take a value; dashes in names become underscores.
# shellcheck disable=SC2034 # v is read by the eval
opt_parse() {
	opt_rest=
	while [ $# -gt 0 ]; do
		a=$1
		shift
		case $a in
		--*=*)
			k=${a%%=*} v=${a#*=}
			;;
		--*)
			k=$a v=1
			case " $VALUED " in
			*" $a "*)
				[ $# -gt 0 ] || fail "kickstart: $a needs a value"
				v=$1
				shift
				;;
			esac
			;;
		*)
			opt_rest=${opt_rest:+$opt_rest$US}$a
			continue
			;;
		esac
		k=$(echo "${k#--}" | tr -c 'a-zA-Z0-9\n' '_')
		# shellcheck disable=SC2034 # v is read by the eval
		eval "opt_$k=\$v"
	done
}

# opt_reset NAME... — unset opt_NAME for each.
opt_reset() {
	for k in "$@"; do eval "opt_$k="; done
}

ks_network() {
	opt_reset hostname
	VALUED="--hostname --device --bootproto --ip --netmask --gateway --nameserver --onboot --mtu --ethtool"
	opt_parse "$@"
	if [ -n "$opt_hostname" ]; then
		echo "$opt_hostname" >"$SYSROOT/etc/hostname"
		log "kickstart: network --hostname=$opt_hostname (other network options are ignored: the stand-in uses DHCP on eth0)"
	else
		log "kickstart: network: ignored (the stand-in uses DHCP on eth0)"
	fi
}

ks_rootpw() {
	opt_reset iscrypted plaintext lock allow_ssh
	VALUED=
	opt_parse "$@"
	if [ -n "$opt_rest" ]; then
		if [ -n "$opt_iscrypted" ]; then
			in_root usermod -p "$opt_rest" root || fail "rootpw: usermod failed"
			log "kickstart: rootpw --iscrypted: root password set"
		else
			log "kickstart: warning: rootpw without --iscrypted: the password is in plain text in the kickstart"
			printf 'root:%s\n' "$opt_rest" | in_root chpasswd || fail "rootpw: chpasswd failed"
			log "kickstart: rootpw: root password set"
		fi
	fi
	if [ -n "$opt_lock" ]; then
		in_root usermod -L root || fail "rootpw --lock: usermod failed"
		log "kickstart: rootpw --lock: root account locked"
	fi
	if [ -n "$opt_allow_ssh" ]; then
		# What Anaconda writes on EL9 for --allow-ssh.
		mkdir -p "$SYSROOT/etc/ssh/sshd_config.d"
		echo "PermitRootLogin yes" >"$SYSROOT/etc/ssh/sshd_config.d/01-permitrootlogin.conf"
		log "kickstart: rootpw --allow-ssh: PermitRootLogin yes"
	fi
}

# ensure_group NAME [GID] — create group NAME unless it exists.
ensure_group() {
	in_root getent group "$1" >/dev/null && return 0
	in_root groupadd ${2:+-g "$2"} "$1" || fail "cannot create group $1"
	log "kickstart: created group $1"
}

ks_group() {
	opt_reset name gid
	VALUED="--name --gid"
	opt_parse "$@"
	[ -n "$opt_name" ] || fail "kickstart: group needs --name"
	ensure_group "$opt_name" "$opt_gid"
}

ks_user() {
	opt_reset name groups password iscrypted plaintext lock gecos homedir shell uid gid
	VALUED="--name --groups --password --gecos --homedir --shell --uid --gid"
	opt_parse "$@"
	[ -n "$opt_name" ] || fail "kickstart: user needs --name"
	if in_root getent passwd "$opt_name" >/dev/null; then
		log "kickstart: warning: user $opt_name already exists: not created again"
	else
		# CentOS's useradd defaults: a home, a group of the user's name, bash.
		in_root useradd -m -U -s "${opt_shell:-/bin/bash}" \
			${opt_uid:+-u "$opt_uid"} ${opt_gid:+-g "$opt_gid"} \
			${opt_gecos:+-c "$opt_gecos"} ${opt_homedir:+-d "$opt_homedir"} \
			"$opt_name" || fail "cannot create user $opt_name"
		log "kickstart: created user $opt_name"
	fi
	if [ -n "$opt_groups" ]; then
		# Anaconda creates groups that do not exist yet.
		old_ifs=$IFS
		IFS=,
		for g in $opt_groups; do
			IFS=$old_ifs
			ensure_group "$g"
		done
		IFS=$old_ifs
		in_root usermod -a -G "$opt_groups" "$opt_name" || fail "cannot add $opt_name to $opt_groups"
		log "kickstart: user $opt_name is in $opt_groups"
	fi
	if [ -n "$opt_password" ]; then
		if [ -n "$opt_iscrypted" ]; then
			in_root usermod -p "$opt_password" "$opt_name" || fail "cannot set the password of $opt_name"
		else
			log "kickstart: warning: user $opt_name: password in plain text in the kickstart"
			printf '%s:%s\n' "$opt_name" "$opt_password" | in_root chpasswd ||
				fail "cannot set the password of $opt_name"
		fi
		log "kickstart: user $opt_name: password set"
	fi
	if [ -n "$opt_lock" ]; then
		in_root usermod -L "$opt_name"
		log "kickstart: user $opt_name: locked"
	fi
}

ks_sshkey() {
	opt_reset username
	VALUED="--username"
	opt_parse "$@"
	[ -n "$opt_username" ] || fail "kickstart: sshkey needs --username"
	[ -n "$opt_rest" ] || fail "kickstart: sshkey --username=$opt_username has no key"
	in_root getent passwd "$opt_username" >/dev/null || fail "kickstart: sshkey: no user $opt_username"
	# In the installed system, so that ~, the owner and the group resolve there.
	# shellcheck disable=SC2016 # expanded by the installed system's sh
	in_root /bin/sh -euc '
		home=$(getent passwd "$1" | cut -d: -f6)
		umask 077
		mkdir -p "$home/.ssh"
		printf "%s\n" "$2" >>"$home/.ssh/authorized_keys"
		chmod 0700 "$home/.ssh"
		chmod 0600 "$home/.ssh/authorized_keys"
		chown "$1:" "$home/.ssh" "$home/.ssh/authorized_keys"
	' sshkey "$opt_username" "$opt_rest" || fail "sshkey for $opt_username failed"
	log "kickstart: sshkey: key added for $opt_username"
}

# ks_post N ARGS... — run %post section N: in the installed system (chroot)
# by default, in the installer with --nochroot; --interpreter, --log,
# --erroronfail honoured. Its output goes to the serial log too.
ks_post() {
	n=$1
	shift
	opt_reset nochroot interpreter log logfile erroronfail
	VALUED="--interpreter --log --logfile"
	opt_parse "$@"
	logf=${opt_log:-$opt_logfile}
	interp=${opt_interpreter:-/bin/sh}
	out=/run/install/post.$n.out
	t=$(now)
	log "kickstart: running %post section $n${opt_nochroot:+ (--nochroot)}${opt_interpreter:+ with $interp}"
	if [ -n "$opt_nochroot" ]; then
		(cd / && "$interp" "$KSDIR/post.$n") </dev/null >"$out" 2>&1
		rc=$?
		[ -z "$logf" ] || cat "$out" >>"$logf"
	else
		# Anaconda copies the script into the target's /tmp and runs it there.
		script=/tmp/ks-script-$n
		cp "$KSDIR/post.$n" "$SYSROOT$script"
		in_root "$interp" "$script" </dev/null >"$out" 2>&1
		rc=$?
		rm -f "$SYSROOT$script"
		if [ -n "$logf" ]; then
			mkdir -p "$SYSROOT$(dirname "$logf")"
			cat "$out" >>"$SYSROOT$logf"
		fi
	fi
	sed 's/^/  | /' "$out" | while IFS= read -r l; do say "$l"; done
	if [ "$rc" -ne 0 ]; then
		[ -z "$opt_erroronfail" ] || fail "%post section $n failed (status $rc) and has --erroronfail"
		log "kickstart: warning: %post section $n exited with status $rc"
	fi
	log "kickstart: %post section $n done in $(($(now) - t)) s"
}

# Anaconda's order: the system first, then accounts and keys, then %post.
each_ks network ks_network
each_ks rootpw ks_rootpw
each_ks group ks_group
each_ks user ks_user
each_ks sshkey ks_sshkey

# The stand-in's own touches, so that the installed system behaves like an
# installed CentOS rather than a cloud image:
# - no cloud-init: an installed system has no datasource; it would only
#   slow the first boot (and generate the host keys too late to matter);
# - sshd generates its host keys at first boot, like sshd-keygen on CentOS
#   (ECDSA and Ed25519 only: an RSA key takes 10-20 s of emulated CPU);
# - %wheel may use sudo (with a password), as CentOS's /etc/sudoers says;
# - the kickstart is kept as /root/original-ks.cfg, as Anaconda does.
: >"$SYSROOT/etc/cloud/cloud-init.disabled"
mkdir -p "$SYSROOT/etc/systemd/system/ssh.service.d"
cat >"$SYSROOT/etc/systemd/system/ssh.service.d/20-standin-installed.conf" <<'EOF'
# Written by the stand-in installer: host keys at first boot, like sshd-keygen.
# ($$ is a literal $ for systemd.)
[Service]
ExecStartPre=
ExecStartPre=/bin/sh -c 'for t in ecdsa ed25519; do [ -s /etc/ssh/ssh_host_$${t}_key ] || /usr/bin/ssh-keygen -q -t $$t -N "" -f /etc/ssh/ssh_host_$${t}_key || exit 1; done'
ExecStartPre=/usr/sbin/sshd -t
EOF
printf '%%wheel\tALL=(ALL)\tALL\n' >"$SYSROOT/etc/sudoers.d/10-standin-wheel"
chmod 0440 "$SYSROOT/etc/sudoers.d/10-standin-wheel"
cp "$KS" "$SYSROOT/root/original-ks.cfg"
chmod 0600 "$SYSROOT/root/original-ks.cfg"

while IFS= read -r line; do
	case $line in
	"%post$US"*)
		old_ifs=$IFS
		IFS=$US
		set -f
		# shellcheck disable=SC2086 # split on \037, see kickstart.awk
		set -- $line
		set +f
		IFS=$old_ifs
		shift
		ks_post "$@" </dev/null
		;;
	esac
done <"$KSDIR/commands"

mkdir -p "$SYSROOT/var/log/anaconda"
log "installation finished in $(($(now) - T0)) s ($(uptime_s) s after boot)"
cp "$LOGFILE" "$SYSROOT/var/log/anaconda/anaconda.log"
say "stand-in installer: done, $action"
finish "$action"
