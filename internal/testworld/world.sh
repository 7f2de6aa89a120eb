#!/usr/bin/env bash
# world.sh — the test world for packer-plugin-centos: a packer binary, the
# stand-in guest image, and a libvirt whose guests cannot reach anything
# beyond this machine. Used by `make test`, `make demo` and CI alike.
#
#   world.sh packer          print the path of the cached packer binary (build it if absent)
#   world.sh guest           print the path of the cached stand-in qcow2 (build it if absent)
#   world.sh installer       print the paths of the cached stand-in installer ISOs,
#                            ISOLINUX then GRUB, one per line (build them if absent)
#   world.sh up              start the world, write <state>/world.env, print its path
#   world.sh exec -- CMD...  run CMD inside the world with world.env exported
#   world.sh down            stop everything up started, remove leftovers
#   world.sh run -- CMD...   up, exec, down (always), exit with CMD's status
#   world.sh boot-check [-- GUEST_CMD...]
#                            boot the stand-in guest in the world, SSH into it as
#                            root (and run GUEST_CMD there), shut it down
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

readonly PACKER_VERSION=1.15.0
readonly LIBVIRT_URI=qemu:///system
readonly NETNS=pcentos-world
readonly ISOLATED_NET=pcentos-isolated
readonly ISOLATED_BRIDGE=pcentos0
# Leftover domains with this prefix are destroyed by `down` (netns mode).
# Packer's own default VM names start with it too.
readonly DOMAIN_PREFIX=packer-
readonly LIBVIRT_SOCK=/run/libvirt/libvirt-sock

CACHE_DIR=${PACKER_CENTOS_CACHE:-/var/cache/packer-plugin-centos}
STATE_DIR=${PACKER_CENTOS_WORLD_STATE:-/run/packer-plugin-centos-world}
readonly CACHE_DIR STATE_DIR
readonly ENV_FILE=$STATE_DIR/world.env

SELF=$(realpath -- "${BASH_SOURCE[0]}")
readonly SELF
REPO_ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
readonly REPO_ROOT
readonly STANDIN_DIR=$REPO_ROOT/internal/standin/guest
readonly INSTALLER_DIR=$REPO_ROOT/internal/standin/installer
readonly INSTALLER_ISOS=(standin-installer-isolinux.iso standin-installer-grub.iso)

log() { printf '[world %(%T)T] %s\n' -1 "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Microseconds since the epoch; locale-proof (EPOCHREALTIME may use a comma).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# since START_US — seconds elapsed, one decimal.
since() {
	local d=$(($(now_us) - $1))
	printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}

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

# ---------------------------------------------------------------- caches --

ensure_cache_dir() {
	# 0755 all the way: guests run as libvirt-qemu and must traverse the path
	# to the stand-in image, which is why the cache is not under /root.
	mkdir -p "$CACHE_DIR"
	chmod 0755 "$CACHE_DIR"
}

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

packer_path() { echo "$CACHE_DIR/packer-$PACKER_VERSION"; }

build_packer() {
	local bin src t0
	bin=$(packer_path)
	[[ -x $bin ]] && return 0 # built while we waited for the lock
	src="$CACHE_DIR/packer-src-$PACKER_VERSION"
	command -v go >/dev/null || die "go is needed to build packer $PACKER_VERSION"
	t0=$(now_us)
	log "building packer $PACKER_VERSION into $bin (a few minutes on a cold Go cache)"
	mkdir -p "$src"
	# The go-cty replace is what the plugin SDK needs too; without it packer's
	# gob registration clashes at start.
	cat >"$src/go.mod" <<-EOF
		module packer-centos/packer-build

		go 1.25

		replace github.com/zclconf/go-cty => github.com/nywilken/go-cty v1.13.3
	EOF
	printf '%s\n' '//go:build tools' '' 'package tools' '' 'import _ "github.com/hashicorp/packer"' >"$src/tools.go"
	# The proxy serves exact versions only; GOWORK=off keeps any go.work of the
	# caller out of this scratch module.
	(
		cd "$src"
		export GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=mod"
		# One "go: added" line per dependency (~200) says nothing useful.
		go get "github.com/hashicorp/packer@v$PACKER_VERSION" 2>&1 | { grep -v '^go: added ' || true; }
		go build -o "$bin.tmp" github.com/hashicorp/packer
	) >&2
	"$bin.tmp" version >/dev/null || die "the freshly built packer does not run"
	chmod 0755 "$bin.tmp"
	mv -f "$bin.tmp" "$bin"
	log "packer $PACKER_VERSION built in $(since "$t0") s"
}

ensure_packer() {
	[[ -x $(packer_path) ]] && return 0
	ensure_cache_dir
	with_lock "$CACHE_DIR/.packer.lock" build_packer
}

# standin_key — hash of every file of the image recipe: a recipe change means
# a new cache entry, so a stale image is never booted.
standin_key() {
	[[ -d $STANDIN_DIR ]] || die "no stand-in recipe at $STANDIN_DIR"
	(cd "$STANDIN_DIR" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
		sha256sum | cut -c1-16
}

standin_path() { echo "$CACHE_DIR/standin/$(standin_key)/standin.qcow2"; }

build_standin() {
	local img=$1 dir
	[[ -f $img && -f $img.sha256 ]] && return 0 # built while we waited
	dir=$(dirname "$img")
	log "building the stand-in guest image (recipe $(basename "$dir")) into $img"
	mkdir -p "$dir"
	chmod 0755 "$dir"
	"$STANDIN_DIR/build.sh" "$img" >&2
}

# prune_standins — drop images of older recipes. Only `up` does it, under the
# world lock: the world it replaces is the only one that could be using them.
prune_standins() {
	local keep d
	keep=$(dirname "$(standin_path)")
	for d in "$CACHE_DIR"/standin/*/; do
		d=${d%/}
		[[ -d $d && $d != "$keep" ]] || continue
		log "removing the stand-in image of an older recipe: $d"
		rm -rf -- "$d"
	done
}

ensure_standin() {
	local img
	img=$(standin_path)
	[[ -f $img && -f $img.sha256 ]] && return 0
	need_root guest
	ensure_cache_dir
	mkdir -p "$CACHE_DIR/standin"
	chmod 0755 "$CACHE_DIR/standin"
	with_lock "$CACHE_DIR/standin/.lock" build_standin "$img"
}

# installer_key — hash of the installer recipe and of the guest recipe (the
# ISOs carry the guest image): a change to either means new ISOs. The
# installer's README and self-test are not part of the recipe.
installer_key() {
	[[ -d $INSTALLER_DIR ]] || die "no installer recipe at $INSTALLER_DIR"
	[[ -d $STANDIN_DIR ]] || die "no stand-in recipe at $STANDIN_DIR"
	{
		(cd "$STANDIN_DIR" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
		(cd "$INSTALLER_DIR" && find . -type f ! -name README.md ! -name selftest.sh -print0 |
			LC_ALL=C sort -z | xargs -0 sha256sum)
	} | sha256sum | cut -c1-16
}

installer_dir() { echo "$CACHE_DIR/installer/$(installer_key)"; }

# installer_paths — the ISOs, ISOLINUX first, one per line.
installer_paths() {
	local dir iso
	dir=$(installer_dir)
	for iso in "${INSTALLER_ISOS[@]}"; do echo "$dir/$iso"; done
}

# installer_built DIR — both ISOs and their checksums are there (build.sh
# writes the checksums last).
installer_built() {
	local iso
	for iso in "${INSTALLER_ISOS[@]}"; do
		[[ -f $1/$iso && -f $1/$iso.sha256 ]] || return 1
	done
}

build_installer() {
	local dir=$1
	installer_built "$dir" && return 0 # built while we waited
	log "building the stand-in installer ISOs (recipe $(basename "$dir")) into $dir"
	mkdir -p "$dir"
	chmod 0755 "$dir"
	"$INSTALLER_DIR/build.sh" "$dir" "$(standin_path)" >&2
}

ensure_installer() {
	local dir
	dir=$(installer_dir)
	installer_built "$dir" && return 0
	need_root installer
	ensure_standin
	ensure_cache_dir
	mkdir -p "$CACHE_DIR/installer"
	chmod 0755 "$CACHE_DIR/installer"
	with_lock "$CACHE_DIR/installer/.lock" build_installer "$dir"
}

# prune_installers — drop ISOs of older recipes; `up` only, like prune_standins.
prune_installers() {
	local keep d
	keep=$(installer_dir)
	for d in "$CACHE_DIR"/installer/*/; do
		d=${d%/}
		[[ -d $d && $d != "$keep" ]] || continue
		log "removing the stand-in installer ISOs of an older recipe: $d"
		rm -rf -- "$d"
	done
}

cmd_packer() {
	ensure_packer
	packer_path
}

cmd_guest() {
	ensure_standin
	standin_path
}

cmd_installer() {
	ensure_installer
	installer_paths
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

write_env() {
	local netns=$1 network=$2 img sum tmp iso_isolinux iso_grub sum_isolinux sum_grub
	img=$(standin_path)
	read -r sum _ <"$img.sha256"
	{
		read -r iso_isolinux
		read -r iso_grub
	} < <(installer_paths)
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
		printf 'export WORLD_PACKER=%q\n' "$(packer_path)"
		printf 'export WORLD_STANDIN_IMAGE=%q\n' "$img"
		printf 'export WORLD_STANDIN_SHA256=%q\n' "$sum"
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
	local t0
	t0=$(now_us)
	need_root up
	# Slow, world-independent work first, while nothing is running yet.
	ensure_packer
	ensure_standin
	ensure_installer
	fix_kvm_perms
	teardown
	prune_standins
	prune_installers
	if libvirt_answers; then
		up_shared
		write_env "" "$ISOLATED_NET"
	else
		local p
		for p in $(pgrep -x libvirtd); do
			# Zombies are daemons that exited; PID 1 here reaps them lazily.
			running "$p" || continue
			die "a libvirtd (pid $p) is running but does not answer on $LIBVIRT_SOCK: not ours, not starting a second one"
		done
		up_netns
		write_env "$NETNS" default
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
	# 0755: boot-check's disks live below it and qemu runs as libvirt-qemu.
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

# ------------------------------------------------------------ boot-check --

# world_is_up — world.env exists and its libvirt and network answer.
world_is_up() {
	[[ -f $ENV_FILE ]] || return 1
	(
		# shellcheck source=/dev/null
		. "$ENV_FILE"
		[[ -z $WORLD_NETNS || -e /run/netns/$WORLD_NETNS ]] && net_active "$WORLD_NETWORK"
	)
}

cmd_boot_check() {
	need_root boot-check
	[[ ${1:-} == -- ]] && shift
	if world_is_up; then
		log "using the world that is already up ($ENV_FILE)"
		cmd_exec -- "$SELF" _boot-check-inside "$@"
	else
		cmd_run -- "$SELF" _boot-check-inside "$@"
	fi
}

bc_tmp=
bc_domain=
bc_cleanup() {
	local rc=$?
	trap '' INT TERM HUP
	if [[ -n $bc_domain ]] && vsh domstate "$bc_domain" >/dev/null 2>&1; then
		vsh destroy "$bc_domain" >/dev/null 2>&1 || true
	fi
	if ((rc != 0)) && [[ -n $bc_tmp && -s $bc_tmp/console.log ]]; then
		log "boot-check failed; serial console tail:"
		tail -n 60 "$bc_tmp/console.log" | sed 's/^/  | /' >&2
	fi
	[[ -z $bc_tmp ]] || rm -rf "$bc_tmp"
	exit "$rc"
}

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Runs inside the world (world_exec), with world.env exported.
cmd_boot_check_inside() {
	local t0 t_lease t_ssh t_ci t_down ip mac name key
	: "${WORLD_NETWORK:?run through world.sh boot-check}"
	[[ -f $WORLD_STANDIN_IMAGE ]] || die "$WORLD_STANDIN_IMAGE is gone: run world.sh up again"
	mkdir -p "$STATE_DIR/tmp"
	chmod 0755 "$STATE_DIR/tmp"
	trap bc_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	bc_tmp=$(mktemp -d "$STATE_DIR/tmp/boot-check.XXXXXX")
	# qemu (uid libvirt-qemu) opens the overlay, the seed and the console log
	# here; the private key stays 0600.
	chmod 0755 "$bc_tmp"

	key=$bc_tmp/id_ed25519
	ssh-keygen -q -t ed25519 -N '' -C world-boot-check -f "$key"
	name=${DOMAIN_PREFIX}world-check-$(random_hex 4)
	mac=52:54:00:$(random_hex 3 | sed 's/../&:/g; s/:$//')

	cat >"$bc_tmp/user-data" <<-EOF
		#cloud-config
		disable_root: false
		ssh_authorized_keys:
		  - $(<"$key.pub")
	EOF
	printf 'instance-id: %s\nlocal-hostname: world-check\n' "$name" >"$bc_tmp/meta-data"
	(cd "$bc_tmp" && xorriso -as mkisofs -quiet -o seed.iso -V cidata -J -r user-data meta-data 2>/dev/null)
	qemu-img create -q -f qcow2 -F qcow2 -b "$WORLD_STANDIN_IMAGE" "$bc_tmp/disk.qcow2"

	# TCG ('qemu'): KVM hangs on these machines. The seed is on IDE because the
	# stand-in's cloud kernel has no AHCI driver. No <graphics>: libvirt 9.0
	# rejects type 'none' and we want none.
	cat >"$bc_tmp/domain.xml" <<-EOF
		<domain type='qemu'>
		  <name>$name</name>
		  <memory unit='MiB'>1024</memory>
		  <vcpu>2</vcpu>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    <boot dev='hd'/>
		  </os>
		  <features><acpi/><apic/></features>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>restart</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <disk type='file' device='disk'>
		      <driver name='qemu' type='qcow2' cache='unsafe'/>
		      <source file='$bc_tmp/disk.qcow2'/>
		      <target dev='vda' bus='virtio'/>
		    </disk>
		    <disk type='file' device='cdrom'>
		      <driver name='qemu' type='raw'/>
		      <source file='$bc_tmp/seed.iso'/>
		      <target dev='hdc' bus='ide'/>
		      <readonly/>
		    </disk>
		    <interface type='network'>
		      <source network='$WORLD_NETWORK'/>
		      <mac address='$mac'/>
		      <model type='virtio'/>
		    </interface>
		    <serial type='file'>
		      <source path='$bc_tmp/console.log'/>
		      <target port='0'/>
		    </serial>
		    <controller type='usb' model='none'/>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF

	log "booting $name (mac $mac) on network $WORLD_NETWORK"
	t0=$(now_us)
	bc_domain=$name
	vsh create "$bc_tmp/domain.xml" >/dev/null

	# DHCP lease: polled at 1 Hz; each virsh call costs CPU the TCG guest needs.
	ip=
	while [[ -z $ip ]]; do
		(($(now_us) - t0 < 180 * 1000000)) || die "no DHCP lease for $mac within 180 s"
		vsh domstate "$name" >/dev/null 2>&1 || die "domain $name died during boot"
		sleep 1
		ip=$(vsh net-dhcp-leases "$WORLD_NETWORK" --mac "$mac" 2>/dev/null |
			awk -v m="$mac" '$3 == m && $4 == "ipv4" { split($5, a, "/"); print a[1] }' | tail -n1)
	done
	t_lease=$(since "$t0")
	log "lease: $ip after $t_lease s"

	local -a ssh_opts=(-F /dev/null -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=5 -o LogLevel=ERROR)
	until ssh "${ssh_opts[@]}" "root@$ip" true 2>/dev/null; do
		(($(now_us) - t0 < 300 * 1000000)) || die "no SSH to root@$ip within 300 s"
		vsh domstate "$name" >/dev/null 2>&1 || die "domain $name died during boot"
		sleep 1
	done
	t_ssh=$(since "$t0")
	log "ssh: root@$ip answered after $t_ssh s"

	# Our builds wait for cloud-init too: it must finish cleanly, not just run.
	local status
	status=$(ssh "${ssh_opts[@]}" "root@$ip" cloud-init status --wait 2>&1) ||
		die "cloud-init did not finish cleanly: $status"
	t_ci=$(since "$t0")
	log "cloud-init: done after $t_ci s"
	if (($#)); then
		log "running in the guest: $*"
		# Like ssh itself: the words are joined and run by the guest's shell.
		# shellcheck disable=SC2029
		ssh "${ssh_opts[@]}" "root@$ip" "$@" >&2 || die "guest command failed: $*"
	fi

	local t1
	t1=$(now_us)
	vsh shutdown "$name" >/dev/null
	# A transient domain disappears once it is off.
	while vsh domstate "$name" >/dev/null 2>&1; do
		(($(now_us) - t1 < 120 * 1000000)) || die "$name did not shut down within 120 s"
		sleep 0.2
	done
	bc_domain=
	t_down=$(since "$t1")
	log "shutdown: $t_down s"
	printf 'boot-check ok: lease %s s, ssh %s s, cloud-init %s s, shutdown %s s\n' \
		"$t_lease" "$t_ssh" "$t_ci" "$t_down"
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
	packer) cmd_packer ;;
	guest) cmd_guest ;;
	installer) cmd_installer ;;
	up) cmd_up ;;
	down) cmd_down ;;
	exec) cmd_exec "$@" ;;
	run) cmd_run "$@" ;;
	boot-check) cmd_boot_check "$@" ;;
	_boot-check-inside) cmd_boot_check_inside "$@" ;;
	-h | --help | help) usage ;;
	*)
		log "unknown command: $cmd"
		usage
		;;
	esac
}

main "$@"
