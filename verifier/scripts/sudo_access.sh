#!/bin/sh
# sudo_access.sh — prints `visudo -c`'s verdict, the image's default cloud
# user, and each account with a login shell that sudo lets run commands
# without a password, in sections:
#   @@verifier@@ visudo STATUS   then visudo's output (STATUS "absent": no sudo)
#   @@verifier@@ default USER    cloud-init's default_user (empty: none)
#   @@verifier@@ nopasswd USER   then the rules `sudo -l` lists for USER
# Run by the no_unexpected_sudoers built-in.
if ! command -v visudo >/dev/null 2>&1; then
	echo "@@verifier@@ visudo absent"
	exit 0
fi
out=$(visudo -c 2>&1)
echo "@@verifier@@ visudo $?"
printf '%s\n' "$out"
# default_user is prepended when the script is sent:
# internal/cloudinit/default_user.sh.
echo "@@verifier@@ default $(default_user)"
getent passwd | while IFS=: read -r user _ uid _ _ _ shell; do
	[ "$uid" = 0 ] && continue # root needs no sudo
	case $shell in */nologin | */false | "") continue ;; esac
	rules=$(sudo -n -l -U "$user" 2>/dev/null) || continue
	case $rules in *NOPASSWD*)
		echo "@@verifier@@ nopasswd $user"
		printf '%s\n' "$rules" | grep NOPASSWD
		;;
	esac
done
exit 0
