#!/usr/bin/env bash
# world.sh — the test world for packer-plugin-centos: a packer binary, the
# stand-in guest image, and a libvirt whose guests cannot reach anything
# beyond this machine. Used by `make test`, `make demo` and CI alike.
#
#   world.sh up              start the world, write <state>/world.env, print its path
#   world.sh exec -- CMD...  run CMD inside the world with world.env exported
#   world.sh down            stop everything up started, remove leftovers
#   world.sh run -- CMD...   up, exec, down (always), exit with CMD's status
#
# What the world hands its commands — packer, the stand-in guest image, the
# stand-in installer ISOs — is built and cached by the Go command
# internal/testworld/fixtures, which `up` runs (so `go` must be on PATH).
#
# Two ways the world is built (see README.md beside this file):
#  netns:  no libvirtd is running. We create the network namespace
#          pcentos-world and run virtlogd and libvirtd inside it; the NAT
#          network `default` (virbr0, dnsmasq) then lives in the namespace,
#          which has no route anywhere, so guest traffic cannot leave.
#          Everything that talks to a guest must run in the namespace: exec.
#  shared: a libvirtd we did not start is already answering. We never start a
#          second one (socket, /etc/libvirt and /var/lib/libvirt are shared);
#          we create our own isolated network (no <forward>, no DNS
#          forwarding) on it instead.
#
# Only what is recorded as ours, or lives inside our namespace, is ever
# stopped or removed.
set -euo pipefail
umask 022

readonly LIBVIRT_URI=qemu:///system
readonly NETNS=pcentos-world
readonly ISOLATED_NET=pcentos-isolated
readonly ISOLATED_BRIDGE=pcentos0
# Leftover domains with this prefix are destroyed by `down` (netns mode).
# Packer's own default VM names start with it too.
readonly DOMAIN_PREFIX=packer-
readonly LIBVIRT_SOCK=/run/libvirt/libvirt-sock

STATE_DIR=${PACKER_CENTOS_WORLD_STATE:-/run/packer-plugin-centos-world}
readonly STATE_DIR
readonly ENV_FILE=$STATE_DIR/world.env

SELF=$(realpath -- "${BASH_SOURCE[0]}")
readonly SELF
REPO_ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
readonly REPO_ROOT

LOG_TAG=world
# shellcheck source=internal/testworld/lib.sh
. "$REPO_ROOT/internal/testworld/lib.sh"

need_root() { ((EUID == 0)) || die "world.sh $1 must run as root (network namespaces, libvirtd)"; }

# outside_world CMD — up/down/run manage the namespace and would kill their
# own caller if run from inside it (e.g. through `world.sh exec`).
outside_world() {
	local ino
	ino=$(stat -L -c %i "/run/netns/$NETNS" 2>/dev/null) || return 0
	[[ $(readlink /proc/self/ns/net) != "net:[$ino]" ]] ||
		die "world.sh $1 must run outside the world (it is running inside $NETNS)"
}

# virsh with a deadline: a wedged daemon must fail the run, not hang it.
vsh() { timeout --kill-after=5 120 virsh -q -c "$LIBVIRT_URI" "$@"; }
# libvirt_answers — true if some libvirtd accepts qemu:///system connections.
libvirt_answers() { timeout --kill-after=2 15 virsh -q -c "$LIBVIRT_URI" uri >/dev/null 2>&1; }

# -------------------------------------------------------------- fixtures --

# fixtures WHAT — what internal/testworld/fixtures prints: the path(s) of
# the cached packer, guest image or installer ISOs, built if absent.
fixtures() { (cd "$REPO_ROOT" && go run ./internal/testworld/fixtures "$@"); }

# with_lock FILE CMD... — CMD under an exclusive flock on FILE; the fd is
# closed for CMD's children so no daemon can inherit the lock.
with_lock() {
	local file=$1 fd
	shift
	exec {fd}>"$file"
	if ! flock -n "$fd"; then
		log "waiting for another world.sh holding $file"
		flock "$fd"
	fi
	# A failing CMD ends the script (set -e), which releases the lock too.
	"$@" {fd}>&-
	exec {fd}>&-
}

# ----------------------------------------------------------------- state --
# STATE_DIR holds: mode (netns|shared), netns ("NAME INODE"), libvirtd.pid
# and virtlogd.pid ("PID STARTTIME" of daemons we started), network (the
# network we created in shared mode), world.env, libvirtd.log.

# start_time PID — the kernel's start time of PID, to tell a recorded process
# from a later one that got the same PID.
start_time() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	local -a f
	read -ra f <<<"$s"
	echo "${f[19]}"
}

record_pid() { echo "$2 $(start_time "$2")" >"$STATE_DIR/$1.pid"; }

# recorded_pid NAME — the PID recorded for daemon NAME, if that very process
# still runs.
recorded_pid() {
	local pid st comm
	[[ -f $STATE_DIR/$1.pid ]] || return 1
	read -r pid st <"$STATE_DIR/$1.pid" || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[[ $comm == "$1" && $(start_time "$pid") == "$st" ]] || return 1
	echo "$pid"
}

netns_inode() { stat -L -c %i "/run/netns/$NETNS" 2>/dev/null; }

# recorded_netns_inode — the inode of the namespace we created, even if its
# name is already gone (a run killed inside `ip netns del`).
recorded_netns_inode() {
	local name ino
	[[ -f $STATE_DIR/netns ]] || return 1
	read -r name ino <"$STATE_DIR/netns" || return 1
	[[ $name == "$NETNS" && $ino =~ ^[0-9]+$ ]] || return 1
	echo "$ino"
}

# pids_in_netns INODE — every process whose network namespace is INODE,
# except this script and its ancestors.
pids_in_netns() {
	local ino=$1 p pid
	local -A skip=()
	pid=$$
	while ((pid > 1)); do
		skip[$pid]=1
		pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
	done
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[[ -z ${skip[$pid]:-} ]] || continue
		[[ $(readlink "$p/ns/net" 2>/dev/null) == "net:[$ino]" ]] && echo "$pid"
	done
	return 0
}

# running PID — PID exists and is not a zombie.
running() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[[ ${s%% *} != Z ]]
}

# wait_gone TIMEOUT_S PID... — true once none of PIDs runs any more.
wait_gone() {
	local deadline=$(($(now_us) + $1 * 1000000)) p alive
	shift
	while :; do
		alive=0
		for p in "$@"; do
			if running "$p"; then alive=1; fi
		done
		((alive)) || return 0
		(($(now_us) < deadline)) || return 1
		sleep 0.1
	done
}

# stop_pids WHAT PID... — SIGTERM, wait, SIGKILL what stays, wait again.
stop_pids() {
	local what=$1 t0
	shift
	(($#)) || return 0
	t0=$(now_us)
	log "stopping $what (pid $*)"
	kill -TERM "$@" 2>/dev/null || true
	if ! wait_gone 20 "$@"; then
		log "$what still running after 20 s: SIGKILL"
		kill -KILL "$@" 2>/dev/null || true
		wait_gone 10 "$@" || die "$what (pid $*) survived SIGKILL"
	fi
	log "$what gone after $(since "$t0") s"
}

# ------------------------------------------------------------- teardown --

# destroy_domain NAME — stop it and forget it, NVRAM included.
destroy_domain() {
	log "removing leftover domain $1"
	vsh destroy "$1" >/dev/null 2>&1 || true
	vsh undefine --nvram "$1" >/dev/null 2>&1 || vsh undefine "$1" >/dev/null 2>&1 || true
}

# net_active NAME — the libvirt network NAME exists and is active.
net_active() {
	local info
	info=$(vsh net-info "$1" 2>/dev/null) || return 1
	[[ $info =~ Active:[[:space:]]+yes ]]
}

# prefixed_domains — names of all domains (running or defined) with our prefix.
prefixed_domains() {
	vsh list --all --name 2>/dev/null | awk -v p="$DOMAIN_PREFIX" 'index($0, p) == 1'
}

# teardown_netns — everything of the namespace world: domains and networks
# (through our libvirtd while it still answers), our daemons, every process
# left in the namespace, then the namespace.
teardown_netns() {
	local ino libvirtd virtlogd d n
	ino=$(netns_inode) || ino=$(recorded_netns_inode) || ino=
	if [[ -n $ino && $(readlink /proc/self/ns/net) == "net:[$ino]" ]]; then
		die "world.sh is running inside $NETNS: run up/down from outside the world"
	fi
	libvirtd=$(recorded_pid libvirtd) || libvirtd=
	virtlogd=$(recorded_pid virtlogd) || virtlogd=
	if [[ -z $libvirtd && -n $ino ]]; then
		# Started by a run that was killed before it could record the PID.
		for d in $(pids_in_netns "$ino"); do
			[[ $(cat "/proc/$d/comm" 2>/dev/null) == libvirtd ]] && libvirtd=$d
		done
	fi
	if [[ -n $libvirtd ]] && libvirt_answers; then
		for d in $(prefixed_domains); do destroy_domain "$d"; done
		# Every network of a libvirtd in our namespace is inside it; destroying
		# them is what stops their dnsmasq cleanly.
		for n in $(vsh net-list --name 2>/dev/null); do
			log "stopping network $n"
			vsh net-destroy "$n" >/dev/null 2>&1 || true
		done
	fi
	[[ -z $libvirtd ]] || stop_pids libvirtd "$libvirtd"
	[[ -z $virtlogd ]] || stop_pids virtlogd "$virtlogd"
	if [[ -n $ino ]]; then
		# Whatever still runs in the namespace (dnsmasq, qemu of a killed
		# libvirtd, a command started by exec) is ours by definition.
		local -a rest
		mapfile -t rest < <(pids_in_netns "$ino")
		((${#rest[@]} == 0)) || stop_pids "processes left in $NETNS" "${rest[@]}"
	fi
	if [[ -e /run/netns/$NETNS ]]; then
		log "deleting network namespace $NETNS"
		ip netns del "$NETNS"
	fi
	rm -f "$STATE_DIR/netns" "$STATE_DIR/libvirtd.pid" "$STATE_DIR/virtlogd.pid"
}

# teardown_shared — our isolated network on someone else's libvirtd, and the
# domains attached to it (nothing else there is ours).
teardown_shared() {
	local d
	libvirt_answers || return 0
	vsh net-info "$ISOLATED_NET" >/dev/null 2>&1 || return 0
	for d in $(prefixed_domains); do
		if vsh domiflist "$d" 2>/dev/null | awk -v n="$ISOLATED_NET" '$3 == n { f = 1 } END { exit !f }'; then
			destroy_domain "$d"
		fi
	done
	log "removing network $ISOLATED_NET"
	vsh net-destroy "$ISOLATED_NET" >/dev/null 2>&1 || true
	vsh net-undefine "$ISOLATED_NET" >/dev/null 2>&1 || true
}

teardown() {
	local mode=
	[[ -f $STATE_DIR/mode ]] && mode=$(<"$STATE_DIR/mode")
	rm -f "$ENV_FILE"
	# The namespace part runs whatever the recorded mode: a run killed early
	# may have created the namespace before recording anything else.
	teardown_netns
	if [[ $mode == shared ]] || { [[ -z $mode ]] && libvirt_answers; }; then
		teardown_shared
	fi
	rm -f "$STATE_DIR/mode" "$STATE_DIR/network"
	# What older world.sh versions kept there.
	rm -rf "$STATE_DIR/tmp"
}

# ------------------------------------------------------------------- up --

fix_kvm_perms() {
	[[ -c /dev/kvm ]] || return 0
	if [[ $(stat -c %G /dev/kvm) != kvm || $(($(stat -c 0%a /dev/kvm) & 8#060)) != $((8#060)) ]]; then
		# root:root 0600 makes every libvirt domain define wait ~60 s probing
		# KVM. Our domains are type 'qemu' (TCG) anyway: KVM hangs here.
		log "fixing /dev/kvm permissions (was $(stat -c '%U:%G %a' /dev/kvm)): chgrp kvm, chmod 660"
		chgrp kvm /dev/kvm && chmod 660 /dev/kvm
	fi
}

# virtlogd_running — a virtlogd (ours or not) serves qemu's logs already.
virtlogd_running() {
	local pid
	# Daemons write their pidfiles without a trailing newline: no `read`.
	pid=$(cat /run/virtlogd.pid 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == virtlogd ]] && running "$pid"
}

# daemon_pid_in_netns NAME PIDFILE INODE TIMEOUT_S — wait for the daemon's own
# pidfile to name a live NAME process in our namespace; print the PID.
daemon_pid_in_netns() {
	local name=$1 file=$2 ino=$3 deadline pid
	deadline=$(($(now_us) + $4 * 1000000))
	while (($(now_us) < deadline)); do
		pid=$(cat "$file" 2>/dev/null) || pid=
		if [[ $pid =~ ^[0-9]+$ ]] && running "$pid" &&
			[[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] &&
			[[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$ino]" ]]; then
			echo "$pid"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_libvirtd PID TIMEOUT_S — until our libvirtd accepts connections.
wait_libvirtd() {
	local pid=$1 deadline
	deadline=$(($(now_us) + $2 * 1000000))
	while (($(now_us) < deadline)); do
		running "$pid" || die "libvirtd (pid $pid) exited during start-up; see $STATE_DIR/libvirtd.log"
		if [[ -S $LIBVIRT_SOCK ]] && libvirt_answers; then
			return 0
		fi
		sleep 0.1
	done
	die "libvirtd (pid $pid) did not answer on $LIBVIRT_SOCK within $2 s; see $STATE_DIR/libvirtd.log"
}

# ensure_default_network — the NAT network `default`, active. Inside the
# namespace its NAT leads nowhere: the namespace has no route out.
ensure_default_network() {
	local t0
	t0=$(now_us)
	if ! vsh net-info default >/dev/null 2>&1; then
		log "network default is not defined: defining libvirt's stock NAT network"
		local xml
		xml=$(mktemp "$STATE_DIR/default-net.XXXXXX.xml")
		cat >"$xml" <<-'EOF'
			<network>
			  <name>default</name>
			  <forward mode='nat'/>
			  <bridge name='virbr0' stp='on' delay='0'/>
			  <ip address='192.168.122.1' netmask='255.255.255.0'>
			    <dhcp>
			      <range start='192.168.122.2' end='192.168.122.254'/>
			    </dhcp>
			  </ip>
			</network>
		EOF
		vsh net-define "$xml" >/dev/null
		rm -f "$xml"
	fi
	net_active default || vsh net-start default >/dev/null
	log "network default active in $NETNS ($(since "$t0") s)"
}

up_netns() {
	local t0 t1 ino pid
	t0=$(now_us)
	echo netns >"$STATE_DIR/mode"
	log "creating network namespace $NETNS"
	ip netns add "$NETNS"
	ino=$(netns_inode)
	echo "$NETNS $ino" >"$STATE_DIR/netns"
	ip netns exec "$NETNS" ip link set lo up
	# The isolation rests on this: a fresh namespace has no route anywhere.
	[[ -z $(ip netns exec "$NETNS" ip route show default) ]] ||
		die "namespace $NETNS has a default route: refusing to boot guests in it"

	if virtlogd_running; then
		log "using the virtlogd already running (pid $(</run/virtlogd.pid))"
	else
		log "starting virtlogd in $NETNS"
		ip netns exec "$NETNS" /usr/sbin/virtlogd -d
		pid=$(daemon_pid_in_netns virtlogd /run/virtlogd.pid "$ino" 20) ||
			die "virtlogd did not start"
		record_pid virtlogd "$pid"
	fi

	t1=$(now_us)
	log "starting libvirtd in $NETNS"
	: >"$STATE_DIR/libvirtd.log"
	LIBVIRT_LOG_OUTPUTS="3:file:$STATE_DIR/libvirtd.log" \
		ip netns exec "$NETNS" /usr/sbin/libvirtd -d
	pid=$(daemon_pid_in_netns libvirtd /run/libvirtd.pid "$ino" 30) ||
		die "libvirtd did not start; see $STATE_DIR/libvirtd.log"
	record_pid libvirtd "$pid"
	# It answers within ~0.1 s. The qemu capability probe (~8 s, cached in
	# /var/cache/libvirt afterwards) happens on the first domain operation.
	wait_libvirtd "$pid" 120
	log "libvirtd (pid $pid) ready in $(since "$t1") s"

	local d
	for d in $(prefixed_domains); do destroy_domain "$d"; done
	ensure_default_network
	log "netns world up in $(since "$t0") s"
}

# free_subnet — a 192.168.N.0/24 that no address, route or libvirt network
# on this host uses yet; print "192.168.N".
free_subnet() {
	local used n
	used=$(
		ip -4 -o addr show
		ip -4 route show table all
		for n in $(vsh net-list --all --name 2>/dev/null); do
			vsh net-dumpxml "$n" 2>/dev/null
		done
	)
	for n in $(seq 213 254); do
		if ! grep -Fq "192.168.$n." <<<"$used"; then
			echo "192.168.$n"
			return 0
		fi
	done
	return 1
}

up_shared() {
	local t0 net xml
	t0=$(now_us)
	echo shared >"$STATE_DIR/mode"
	net=$(free_subnet) || die "no free 192.168.213-254.0/24 subnet for $ISOLATED_NET"
	log "a libvirtd we did not start is running: creating isolated network $ISOLATED_NET ($net.0/24, bridge $ISOLATED_BRIDGE)"
	xml=$(mktemp "$STATE_DIR/net.XXXXXX.xml")
	# No <forward>: libvirt blocks routing off the bridge. DNS disabled: an
	# isolated network's dnsmasq would otherwise forward guests' queries to
	# the host's upstream resolvers, i.e. off this machine. no-ping: dnsmasq
	# would wait 3 s probing each new address before offering it.
	cat >"$xml" <<-EOF
		<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
		  <name>$ISOLATED_NET</name>
		  <bridge name='$ISOLATED_BRIDGE' stp='off' delay='0'/>
		  <dns enable='no'/>
		  <ip address='$net.1' netmask='255.255.255.0'>
		    <dhcp>
		      <range start='$net.10' end='$net.254'/>
		    </dhcp>
		  </ip>
		  <dnsmasq:options>
		    <dnsmasq:option value='no-ping'/>
		  </dnsmasq:options>
		</network>
	EOF
	# Transient: nothing about it survives in /etc/libvirt.
	vsh net-create "$xml" >/dev/null
	rm -f "$xml"
	echo "$ISOLATED_NET" >"$STATE_DIR/network"
	log "shared world up in $(since "$t0") s"
}

# write_env NETNS NETWORK PACKER IMAGE RPM_IMAGE ISOLINUX_ISO GRUB_ISO
write_env() {
	local netns=$1 network=$2 packer=$3 img=$4 rpm_img=$5 iso_isolinux=$6 iso_grub=$7
	local sum sum_rpm sum_isolinux sum_grub tmp
	read -r sum _ <"$img.sha256"
	read -r sum_rpm _ <"$rpm_img.sha256"
	read -r sum_isolinux _ <"$iso_isolinux.sha256"
	read -r sum_grub _ <"$iso_grub.sha256"
	tmp=$(mktemp "$STATE_DIR/world.env.XXXXXX")
	{
		echo "# written by $SELF up; source it, or use: world.sh exec -- CMD"
		printf 'export WORLD_MODE=%q\n' "$(<"$STATE_DIR/mode")"
		printf 'export WORLD_NETNS=%q\n' "$netns"
		printf 'export WORLD_LIBVIRT_URI=%q\n' "$LIBVIRT_URI"
		printf 'export WORLD_NETWORK=%q\n' "$network"
		printf 'export WORLD_DOMAIN_PREFIX=%q\n' "$DOMAIN_PREFIX"
		printf 'export WORLD_PACKER=%q\n' "$packer"
		printf 'export WORLD_STANDIN_IMAGE=%q\n' "$img"
		printf 'export WORLD_STANDIN_SHA256=%q\n' "$sum"
		printf 'export WORLD_RPM_STANDIN_IMAGE=%q\n' "$rpm_img"
		printf 'export WORLD_RPM_STANDIN_SHA256=%q\n' "$sum_rpm"
		printf 'export WORLD_INSTALLER_ISO_ISOLINUX=%q\n' "$iso_isolinux"
		printf 'export WORLD_INSTALLER_ISO_ISOLINUX_SHA256=%q\n' "$sum_isolinux"
		printf 'export WORLD_INSTALLER_ISO_GRUB=%q\n' "$iso_grub"
		printf 'export WORLD_INSTALLER_ISO_GRUB_SHA256=%q\n' "$sum_grub"
	} >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$ENV_FILE"
}

# do_up — assumes the state lock is held.
do_up() {
	local t0 out fx
	t0=$(now_us)
	need_root up
	# Slow, world-independent work first, while nothing is running yet:
	# packer, the guest image, the RPM stand-in image and the installer
	# ISOs, one per line.
	out=$(fixtures world)
	mapfile -t fx <<<"$out"
	((${#fx[@]} == 5)) || die "fixtures world named ${#fx[@]} paths, not packer, two images and two ISOs"
	fix_kvm_perms
	teardown
	# Under the world lock, the world it replaces is the only one that
	# could be using images and ISOs of an older recipe.
	fixtures prune
	if libvirt_answers; then
		up_shared
		write_env "" "$ISOLATED_NET" "${fx[@]}"
	else
		local p
		for p in $(pgrep -x libvirtd); do
			# Zombies are daemons that exited; PID 1 here reaps them lazily.
			running "$p" || continue
			die "a libvirtd (pid $p) is running but does not answer on $LIBVIRT_SOCK: not ours, not starting a second one"
		done
		up_netns
		write_env "$NETNS" default "${fx[@]}"
	fi
	log "world up in $(since "$t0") s; env: $ENV_FILE"
}

do_down() {
	local t0
	t0=$(now_us)
	need_root down
	teardown
	log "world down in $(since "$t0") s"
}

ensure_state_dir() {
	mkdir -p "$STATE_DIR"
	# 0755: the tests, whatever user, read world.env in it.
	chmod 0755 "$STATE_DIR"
}

cmd_up() {
	need_root up
	outside_world up
	ensure_state_dir
	with_lock "$STATE_DIR/lock" do_up
	echo "$ENV_FILE"
}

cmd_down() {
	need_root down
	outside_world down
	ensure_state_dir
	with_lock "$STATE_DIR/lock" do_down
}

# ----------------------------------------------------------- exec / run --

load_env() {
	[[ -f $ENV_FILE ]] || die "the world is not up (no $ENV_FILE): run world.sh up"
	# shellcheck source=/dev/null
	. "$ENV_FILE"
}

# world_exec CMD... — CMD in the world (namespace or not), world.env exported.
world_exec() {
	load_env
	if [[ -n $WORLD_NETNS ]]; then
		[[ -e /run/netns/$WORLD_NETNS ]] || die "namespace $WORLD_NETNS is gone: run world.sh up"
		if [[ $(readlink /proc/self/ns/net) != "net:[$(stat -L -c %i "/run/netns/$WORLD_NETNS")]" ]]; then
			exec ip netns exec "$WORLD_NETNS" "$@"
		fi
	fi
	exec "$@"
}

strip_dashes() {
	[[ ${1:-} == -- ]] && shift
	(($#)) || die "usage: world.sh exec|run -- CMD [ARG...]"
	printf '%s\0' "$@"
}

cmd_exec() {
	local -a argv
	mapfile -d '' -t argv < <(strip_dashes "$@")
	((${#argv[@]})) || exit 2
	world_exec "${argv[@]}"
}

# do_run CMD... — up, CMD in the world, down; exits with CMD's status.
# Assumes the lock is held; down runs before the lock is released.
#
# CMD runs as a background job we `wait` for, so that a TERM or HUP sent to
# world.sh (CI stopping a job) is acted on at once — bash defers traps while
# a foreground child runs — and is passed on to CMD, which then gets to clean
# up before the world goes. Ctrl-C is not passed on: the terminal already
# delivers it to CMD, and packer takes a second interrupt as "stop cleaning up".
run_pid=
run_signal=0
do_run() {
	local rc=0
	trap run_abort EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	do_up
	log "running: $*"
	(
		trap - INT QUIT TERM HUP
		world_exec "$@"
	) &
	run_pid=$!
	trap 'run_signal=130' INT
	trap 'run_forward TERM 143' TERM
	trap 'run_forward HUP 129' HUP
	# `wait` also returns when a trapped signal arrives: wait until CMD is gone.
	while :; do
		rc=0
		wait "$run_pid" || rc=$?
		kill -0 "$run_pid" 2>/dev/null || break
	done
	log "command exited with status $rc"
	((rc != 0 || run_signal == 0)) || rc=$run_signal
	# Teardown has its own timeouts; a second Ctrl-C must not leave daemons.
	trap '' INT TERM HUP
	trap - EXIT
	do_down
	exit "$rc"
}

# run_forward SIGNAL STATUS — pass SIGNAL on to CMD; the second time, KILL it.
run_forward() {
	if ((run_signal != 0)); then
		log "got SIG$1 again: killing the command (pid $run_pid)"
		kill -KILL "$run_pid" 2>/dev/null || true
	else
		log "got SIG$1: passing it on to the command (pid $run_pid)"
		kill "-$1" "$run_pid" 2>/dev/null || true
	fi
	run_signal=$2
}

# run_abort — down after a failed up or a signal (Ctrl-C, CI's TERM).
run_abort() {
	local rc=$?
	trap '' INT TERM HUP
	log "run interrupted (status $rc): tearing the world down"
	do_down
	exit "$rc"
}

cmd_run() {
	local -a argv
	mapfile -d '' -t argv < <(strip_dashes "$@")
	((${#argv[@]})) || exit 2
	need_root run
	outside_world run
	ensure_state_dir
	with_lock "$STATE_DIR/lock" do_run "${argv[@]}"
}

# ------------------------------------------------------------------ main --

usage() {
	sed -n '2,/^set -euo/{ /^set -euo/d; s/^# \{0,1\}//; p; }' "$SELF" >&2
	exit 2
}

main() {
	(($#)) || usage
	local cmd=$1
	shift
	case $cmd in
	up) cmd_up ;;
	down) cmd_down ;;
	exec) cmd_exec "$@" ;;
	run) cmd_run "$@" ;;
	-h | --help | help) usage ;;
	*)
		log "unknown command: $cmd"
		usage
		;;
	esac
}

main "$@"
