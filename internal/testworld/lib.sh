# shellcheck shell=bash
# lib.sh — what the test world's scripts share: logging with timings.
# Source it after setting LOG_TAG, the name each line starts with:
#
#   LOG_TAG=world
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# log MSG... — one line on stderr, "[TAG HH:MM:SS] MSG": stdout is for
# what a script prints for its caller.
log() { printf '[%s %(%T)T] %s\n' "${LOG_TAG:-script}" -1 "$*" >&2; }

# die MSG... — log an error and exit 1.
die() {
	log "error: $*"
	exit 1
}

# now_us — microseconds since the epoch; locale-proof (EPOCHREALTIME may
# use a comma).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }

# since START_US — seconds elapsed since START_US, one decimal.
since() {
	local d=$(($(now_us) - $1))
	printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}
