# shellcheck shell=sh
# default_user [ROOT]: prints the name of cloud-init's default_user, from
# cloud.cfg and then cloud.cfg.d/*.cfg under ROOT (the last that names one
# wins), or nothing. Prepended to the guest scripts that need it
# (generalize, the no_unexpected_sudoers built-in).
default_user() {
	for f in "${1:-}"/etc/cloud/cloud.cfg "${1:-}"/etc/cloud/cloud.cfg.d/*.cfg; do
		[ -f "$f" ] || continue
		awk '/^[[:space:]]*default_user:/ { d = 1; next }
			d && /^[[:space:]]*name:/ { print $2; exit }
			d && /^[^[:space:]#]/ { d = 0 }' "$f"
	done | tail -n 1
}
