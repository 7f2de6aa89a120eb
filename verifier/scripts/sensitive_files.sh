#!/bin/sh
# sensitive_files.sh — prints "MODE OWNER GROUP PATH" (octal mode) for each
# file whose permissions guard a secret or the way in: shadow and gshadow,
# the SSH host private keys, sudoers and its drop-ins, sshd_config and its
# drop-ins; then a line "@@verifier@@" and every world-writable file (and
# directory without the sticky bit) under /etc, /usr and /boot. Run by the
# sensitive_file_modes built-in.
for f in /etc/shadow /etc/gshadow /etc/ssh/ssh_host_*_key /etc/sudoers /etc/sudoers.d/* \
	/etc/ssh/sshd_config /etc/ssh/sshd_config.d/*; do
	[ -f "$f" ] && [ ! -L "$f" ] && stat -c '%a %U %G %n' -- "$f"
done
echo "@@verifier@@"
find /etc /usr /boot -xdev \( -type f -o -type d ! -perm -1000 \) -perm -0002 -print 2>/dev/null
exit 0
