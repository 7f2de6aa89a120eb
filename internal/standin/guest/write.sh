# shellcheck shell=bash
# write.sh — sourced by the customize hooks of the stand-in images.

# write FILE: stdin becomes $root/FILE (parents created), 0644. The hook
# that sources it sets root, the tree it customizes.
# shellcheck disable=SC2154 # root is the sourcing hook's
write() {
	install -d -m 0755 "$root/$(dirname "$1")"
	cat >"$root/$1"
	chmod 0644 "$root/$1"
}
