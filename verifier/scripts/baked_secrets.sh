#!/bin/sh
# baked_secrets.sh DEVICE — reads the image as shipped, plugged into the
# guest read-only at DEVICE after its checks (no boot has changed it), and
# prints what it holds that every instance started from it would share:
#   @@verifier@@ host-key PATH     an SSH host private key
#   @@verifier@@ machine-id        a non-empty /etc/machine-id
#   @@verifier@@ private-key PATH  a private key under /root or /home
#   @@verifier@@ read FS           a file system it read (none: it read none)
#   @@verifier@@ lvm               a partition is an LVM physical volume
#   @@verifier@@ error WHAT        it could not get at the image
# Run as root by the no_baked_secrets built-in. POSIX sh, for CentOS 7 to
# Stream 10 and the Debian stand-in.
dev=$1
# The device appears once the guest has taken the hot plug.
if udevadm wait --help >/dev/null 2>&1; then
	udevadm wait --timeout=30 "$dev" 2>/dev/null
else # systemd before v251
	i=0
	while [ ! -b "$dev" ] && [ $i -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
fi
[ -b "$dev" ] || {
	echo "@@verifier@@ error the image did not appear in the guest as $dev"
	exit 0
}
udevadm settle --timeout=30 2>/dev/null
mnt=$(mktemp -d) || exit 1
trap 'umount "$mnt" 2>/dev/null; rmdir "$mnt"' EXIT
lsblk -lnpo NAME,FSTYPE "$dev" | while read -r part fstype; do
	case $fstype in
	xfs) opts=ro,norecovery,nouuid ;; # the running root has the same UUID
	ext2 | ext3 | ext4) opts=ro,noload ;;
	LVM2_member)
		echo "@@verifier@@ lvm"
		continue
		;;
	*) continue ;;
	esac
	mount -t "$fstype" -o "$opts" "$part" "$mnt" 2>/dev/null || {
		echo "@@verifier@@ error mount $part ($fstype) read-only failed"
		continue
	}
	echo "@@verifier@@ read $part"
	for k in "$mnt"/etc/ssh/ssh_host_*_key; do
		[ -f "$k" ] && echo "@@verifier@@ host-key ${k#"$mnt"}"
	done
	[ -s "$mnt/etc/machine-id" ] && echo "@@verifier@@ machine-id"
	for d in "$mnt/root" "$mnt"/home/*; do
		[ -d "$d" ] || continue
		grep -rlsE -- '-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----' "$d" | while read -r f; do
			echo "@@verifier@@ private-key ${f#"$mnt"}"
		done
	done
	umount "$mnt"
done
