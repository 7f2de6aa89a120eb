#!/bin/sh
# remove-build-key.sh KEY — drops every line holding KEY (the base64 body
# of the build's public key) from the authorized_keys of root and of every
# account's home, then checks none is left. The builder runs it as root
# over SSH before the guest shuts down. Files are rewritten in place to
# keep their owner, mode and SELinux label.
set -e
key=$1
found=0
for home in $(getent passwd | cut -d: -f6 | sort -u) /root; do
	f="$home/.ssh/authorized_keys"
	[ -f "$f" ] || continue
	if grep -qF "$key" "$f"; then
		grep -vF "$key" "$f" >"$f.packer-new" || true
		cat "$f.packer-new" >"$f"
		rm -f "$f.packer-new"
	fi
	if grep -qF "$key" "$f"; then
		echo "key still in $f"
		found=1
	fi
done
exit $found
