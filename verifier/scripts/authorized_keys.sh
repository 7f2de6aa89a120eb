#!/bin/sh
# authorized_keys.sh — prints every authorized_keys file of every account,
# as sshd would read it: the AuthorizedKeysFile patterns `sshd -T` reports
# (OpenSSH's default when sshd cannot say), expanded for each account of
# the passwd database. Each readable file comes after a line
# "@@verifier@@ PATH"; one that exists but cannot be read is named on a
# line "@@verifier@@! PATH". Run by the authorized_keys_expected built-in.
set -f
patterns=$(sshd -T 2>/dev/null | awk '$1 == "authorizedkeysfile" { $1 = ""; print }')
[ -n "$patterns" ] || patterns=".ssh/authorized_keys .ssh/authorized_keys2"
getent passwd | awk -F: -v patterns="$patterns" '
	$6 != "" {
		n = split(patterns, p, " ")
		for (i = 1; i <= n; i++) {
			if (p[i] == "none") continue
			f = p[i]
			gsub(/%%/, "\001", f); gsub(/%h/, $6, f); gsub(/%u/, $1, f); gsub(/%U/, $3, f); gsub(/\001/, "%", f)
			if (f !~ /^\//) f = $6 "/" f
			print f
		}
	}' | sort -u | while IFS= read -r f; do
	if [ -f "$f" ] && [ -r "$f" ]; then
		echo "@@verifier@@ $f"
		cat -- "$f"
		echo
	elif [ -e "$f" ]; then
		echo "@@verifier@@! $f"
	fi
done
exit 0
