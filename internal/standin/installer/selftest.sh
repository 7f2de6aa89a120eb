#!/usr/bin/env bash
# selftest.sh [CASE...] — installs the stand-in system with the stand-in
# installer ISOs in the test world the way a Packer build would, then boots
# the installed disk and logs in with the key the kickstart gave. Run it in
# the world:
#
#   internal/testworld/world.sh run -- internal/standin/installer/selftest.sh
#   internal/testworld/world.sh exec -- internal/standin/installer/selftest.sh grub
#
# CASEs (default: isolinux grub oemdrv, one after the other):
#   isolinux  the ISOLINUX ISO; types `<up><tab> text ks=http://...<enter>`
#             (CentOS 7 / Stream 8/9); kickstart ends in `poweroff`, then the
#             disk is booted alone
#   grub      the GRUB ISO; types `<up>e<down><down><end> text
#             inst.ks=http://...<Ctrl-X>` (Stream 10); kickstart ends in
#             `reboot`: the same domain (boot order hd, cdrom) comes back up
#             from the installed disk
#   oemdrv    kernel + initrd booted directly (no menu, no ks argument), the
#             kickstart on a second CD-ROM labelled OEMDRV; `poweroff`, then
#             the disk is booted alone
#   hdlabel   like oemdrv, with inst.ks=hd:LABEL=OEMDRV:/ks.cfg and no
#             console= at all (the installer mirrors its lines to ttyS0)
#   cdrom     like oemdrv, with inst.ks=cdrom:/ks.cfg, the kickstart on a CD
#             labelled KSCD
#   check     the ISOLINUX ISO and an OEMDRV CD; <enter> boots the default
#             entry (Test this media: rd.live.check), the kickstart has no
#             completion command: Anaconda's default, halt ("Press ENTER to
#             quit"); <enter> there reboots into the installed system
#
# Uses world.env (WORLD_NETWORK, WORLD_INSTALLER_ISO_ISOLINUX/_GRUB); the
# kickstart is served by a throwaway busybox httpd on the network's bridge
# address. Prints one result line per case on stdout; everything else (with
# timings) goes to stderr. On failure the serial console's tail is shown.
# SELFTEST_KEEP=DIR copies the serial logs, kickstarts and domain XML there
# (the temp dir is under the world's state dir, which `down` removes).
set -euo pipefail
umask 022

readonly LIBVIRT_URI=${WORLD_LIBVIRT_URI:-qemu:///system}
readonly DOMAIN_PREFIX=${WORLD_DOMAIN_PREFIX:-packer-}
# Pause between keystrokes (seconds), like Packer's boot_key_interval. GRUB
# on a serial console redraws the edited line per key and loses keys that
# come faster than that (BIOS keyboard buffer: 15 keys) — see README.md.
readonly KEY_INTERVAL=${KEY_INTERVAL:-0.1}
STATE_DIR=${PACKER_CENTOS_WORLD_STATE:-/run/packer-plugin-centos-world}
readonly STATE_DIR
# The password of root and of the kickstart's user: "standin".
# shellcheck disable=SC2016 # a crypt hash, not an expansion
readonly PW_HASH='$6$standin.selftest$iEmdqq06obibs5pdTnHjBTTTkIwE1lFXj2o3NwhJ6e0u5MlcqEVq37MajdWF50aviNwva9DKv.XWYPPnKxZpK/'

log() { printf '[installer-selftest %(%T)T] %s\n' -1 "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
since() {
	local d=$(($(now_us) - $1))
	printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}
vsh() { timeout --kill-after=5 120 virsh -q -c "$LIBVIRT_URI" "$@"; }
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
random_mac() { echo "52:54:00:$(random_hex 3 | sed 's/../&:/g; s/:$//')"; }

tmp=
domains=()
httpd_pid=
cleanup() {
	local rc=$? d
	trap '' INT TERM HUP
	for d in "${domains[@]}"; do
		vsh destroy "$d" >/dev/null 2>&1 || true
		vsh undefine "$d" >/dev/null 2>&1 || true
	done
	[[ -z $httpd_pid ]] || kill "$httpd_pid" 2>/dev/null || true
	if ((rc != 0)) && [[ -n $tmp ]]; then
		local f
		for f in "$tmp"/*/console*.log; do
			[[ -s $f ]] || continue
			log "serial console tail of $f:"
			tail -c 4000 "$f" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tail -n 40 | sed 's/^/  | /' >&2
		done
	fi
	if [[ -n $tmp && -n ${SELFTEST_KEEP:-} ]]; then
		mkdir -p "$SELFTEST_KEEP"
		(cd "$tmp" && find . \( -name '*.log' -o -name '*.cfg' -o -name '*.xml' \) -print0 |
			xargs -0r cp --parents -t "$SELFTEST_KEEP") || true
		log "logs, kickstarts and domain XML copied to $SELFTEST_KEEP"
	fi
	[[ -z $tmp ]] || rm -rf "$tmp"
	exit "$rc"
}

# ------------------------------------------------------------ keyboard --

# keys_for CHAR — the linux keycodes that type CHAR on a US keyboard.
keys_for() {
	local c=$1
	case $c in
	[a-z]) echo "KEY_${c^^}" ;;
	[A-Z]) echo "KEY_LEFTSHIFT KEY_$c" ;;
	[0-9]) echo "KEY_$c" ;;
	' ') echo KEY_SPACE ;;
	.) echo KEY_DOT ;;
	/) echo KEY_SLASH ;;
	:) echo "KEY_LEFTSHIFT KEY_SEMICOLON" ;;
	=) echo KEY_EQUAL ;;
	-) echo KEY_MINUS ;;
	_) echo "KEY_LEFTSHIFT KEY_MINUS" ;;
	,) echo KEY_COMMA ;;
	*) die "no key for '$c'" ;;
	esac
}

# press DOMAIN KEY... — one keystroke (KEYs held together, e.g. a chord).
press() {
	local dom=$1
	shift
	# Word splitting of keys_for's output is wanted.
	# shellcheck disable=SC2048,SC2086
	vsh send-key "$dom" --codeset linux $* >/dev/null
	sleep "$KEY_INTERVAL"
}

# type_text DOMAIN TEXT — TEXT, one send-key per character.
type_text() {
	local dom=$1 text=$2 i
	for ((i = 0; i < ${#text}; i++)); do
		press "$dom" "$(keys_for "${text:i:1}")"
	done
}

# ------------------------------------------------------------- helpers --

# wait_console FILE REGEX TIMEOUT DOMAIN — until the serial log matches.
wait_console() {
	local file=$1 re=$2 limit=$3 dom=$4 t0
	t0=$(now_us)
	until [[ -f $file ]] && tr -d '\r' <"$file" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | grep -aEq "$re"; do
		(($(now_us) - t0 < limit * 1000000)) || die "$dom: no /$re/ on the console within $limit s"
		vsh domstate "$dom" >/dev/null 2>&1 || die "$dom ended while waiting for /$re/"
		sleep 0.2
	done
}

# wait_gone DOMAIN TIMEOUT — until the (transient) domain has ended.
wait_gone() {
	local dom=$1 limit=$2 t0
	t0=$(now_us)
	while vsh domstate "$dom" >/dev/null 2>&1; do
		(($(now_us) - t0 < limit * 1000000)) || die "$dom still running after $limit s"
		sleep 1
	done
}

# lease_now MAC — the IPv4 address dnsmasq leased to MAC, if any.
lease_now() {
	vsh net-dhcp-leases "$WORLD_NETWORK" --mac "$1" 2>/dev/null |
		awk -v m="$1" '$3 == m && $4 == "ipv4" { split($5, a, "/"); print a[1] }' | tail -n1
}

# lease MAC TIMEOUT DOMAIN — wait for a lease of the running DOMAIN.
lease() {
	local mac=$1 limit=$2 dom=$3 t0 ip=
	t0=$(now_us)
	while [[ -z $ip ]]; do
		(($(now_us) - t0 < limit * 1000000)) || die "no DHCP lease for $mac within $limit s"
		vsh domstate "$dom" >/dev/null 2>&1 || die "$dom ended while waiting for a lease"
		sleep 1
		ip=$(lease_now "$mac")
	done
	echo "$ip"
}

ssh_opts=()
# wait_ssh USER IP TIMEOUT DOMAIN
wait_ssh() {
	local t0
	t0=$(now_us)
	until ssh "${ssh_opts[@]}" "$1@$2" true 2>/dev/null; do
		(($(now_us) - t0 < $3 * 1000000)) || die "no SSH to $1@$2 within $3 s"
		vsh domstate "$4" >/dev/null 2>&1 || die "$4 ended while waiting for SSH"
		sleep 1
	done
}

# domain_xml NAME DIR MAC BOOT_XML DEVICES_XML — a transient TCG domain:
# pc machine, 1 GiB, 2 vCPUs, the 3 GiB virtio disk DIR/disk.qcow2, a virtio
# NIC on the world's network, the serial console to DIR/console-NAME.log.
domain_xml() {
	local name=$1 dir=$2 mac=$3 boot=$4 devices=$5
	cat <<-EOF
		<domain type='qemu'>
		  <name>$name</name>
		  <memory unit='MiB'>1024</memory>
		  <vcpu>2</vcpu>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    $boot
		  </os>
		  <features><acpi/><apic/></features>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>restart</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <disk type='file' device='disk'>
		      <driver name='qemu' type='qcow2' cache='unsafe'/>
		      <source file='$dir/disk.qcow2'/>
		      <target dev='vda' bus='virtio'/>
		    </disk>
		    $devices
		    <interface type='network'>
		      <source network='$WORLD_NETWORK'/>
		      <mac address='$mac'/>
		      <model type='virtio'/>
		    </interface>
		    <serial type='file'>
		      <source path='$dir/console-$name.log'/>
		      <target port='0'/>
		    </serial>
		    <controller type='usb' model='none'/>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
}

cdrom_xml() {
	cat <<-EOF
		<disk type='file' device='cdrom'>
		      <driver name='qemu' type='raw'/>
		      <source file='$1'/>
		      <target dev='$2' bus='ide'/>
		      <readonly/>
		    </disk>
	EOF
}

# kickstart CASE COMPLETION KEY — the kickstart every case installs with.
kickstart() {
	cat <<-EOF
		# stand-in installer self-test ($1)
		text
		lang en_US.UTF-8
		keyboard --vckeymap=us
		timezone UTC --utc
		network --bootproto=dhcp --device=link --activate --hostname=standin-$1
		rootpw --iscrypted $PW_HASH
		user --name=builder --groups=wheel,adm --iscrypted --password=$PW_HASH --gecos="Packer builder"
		sshkey --username=builder "$3"
		sshkey --username=root "$3"
		zerombr
		clearpart --all --initlabel
		autopart --type=plain
		bootloader --location=mbr --append="console=ttyS0,115200"
		firstboot --disabled
		selinux --enforcing

		%packages
		@core
		%end

		%post --log=/root/ks-post.log
		echo "builder ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/builder
		chmod 0440 /etc/sudoers.d/builder
		echo "written by %post ($1)" >/root/standin-post-marker
		%end

		%post --nochroot
		echo "written by %post --nochroot ($1)" >/mnt/sysimage/root/standin-nochroot-marker
		%end

		$2
	EOF
}

# check_installed CASE IP — log in as the kickstart's user and look around.
check_installed() {
	local case=$1 ip=$2 out
	out=$(ssh "${ssh_opts[@]}" "builder@$ip" '
		set -e
		echo "hostname=$(hostname)"
		echo "id=$(id)"
		echo "post=$(sudo -n cat /root/standin-post-marker)"
		echo "nochroot=$(sudo -n cat /root/standin-nochroot-marker)"
		echo "root-shadow=$(sudo -n getent shadow root | cut -d: -f2 | cut -c1-20)"
		echo "root-size=$(df -m / | awk "NR == 2 { print \$2 }")M"
		echo "hostkeys=$(ls /etc/ssh/ssh_host_*_key.pub | xargs -n1 basename | tr "\n" " ")"
		echo "cloud-init=$(systemctl is-active cloud-init.service || true)"
		echo "ks-log=$(sudo -n head -c 200 /var/log/anaconda/anaconda.log | head -n1)"
	') || die "$case: commands in the installed system failed"
	printf '%s\n' "$out" | sed 's/^/    /' >&2
	grep -Fqx "hostname=standin-$case" <<<"$out" || die "$case: hostname not set from the kickstart"
	grep -q "^id=.*(wheel)" <<<"$out" || die "$case: builder is not in wheel"
	grep -Fqx "post=written by %post ($case)" <<<"$out" || die "$case: %post marker missing"
	grep -Fqx "nochroot=written by %post --nochroot ($case)" <<<"$out" || die "$case: %post --nochroot marker missing"
	grep -Fqx "root-shadow=${PW_HASH:0:20}" <<<"$out" || die "$case: root password not set"
	ssh "${ssh_opts[@]}" "root@$ip" true || die "$case: root cannot log in with the sshkey"
	root_size=$(sed -n 's/^root-size=//p' <<<"$out")
}

# ---------------------------------------------------------------- cases --

run_case() {
	local case=$1 dir name mac mac2 iso ks_url completion boot devices t0 t_menu t_keys t_done ip ks_ip
	local t_install t_boot t_ssh name2
	dir=$tmp/$case
	mkdir -p "$dir"
	chmod 0755 "$dir"
	name=${DOMAIN_PREFIX}installer-$case-$(random_hex 3)
	mac=$(random_mac)
	qemu-img create -q -f qcow2 "$dir/disk.qcow2" 3G
	case $case in
	grub) completion=reboot ;;
	check) completion= ;;
	*) completion=poweroff ;;
	esac
	kickstart "$case" "$completion" "$(<"$key.pub")" >"$dir/ks.cfg"

	case $case in
	isolinux | grub)
		iso=$WORLD_INSTALLER_ISO_ISOLINUX
		[[ $case == isolinux ]] || iso=$WORLD_INSTALLER_ISO_GRUB
		cp "$dir/ks.cfg" "$www/ks-$case.cfg"
		ks_url=http://$bridge_ip:$http_port/ks-$case.cfg
		# hd first: the empty disk does not boot, SeaBIOS falls through to the
		# CD; after the install (and `reboot`) the disk boots.
		boot="<boot dev='hd'/><boot dev='cdrom'/>"
		devices=$(cdrom_xml "$iso" hdc)
		;;
	check)
		iso=$WORLD_INSTALLER_ISO_ISOLINUX
		(cd "$dir" && xorriso -as mkisofs -quiet -o ks.iso -V OEMDRV -J -r ks.cfg 2>/dev/null)
		boot="<boot dev='hd'/><boot dev='cdrom'/>"
		devices="$(cdrom_xml "$iso" hdc) $(cdrom_xml "$dir/ks.iso" hdd)"
		;;
	oemdrv | hdlabel | cdrom)
		# The plugin's kernel-boot mode: kernel and initrd out of the ISO,
		# booted directly with inst.stage2 (and maybe inst.ks).
		iso=$WORLD_INSTALLER_ISO_ISOLINUX
		(cd "$dir" && xorriso -osirrox on -indev "$iso" \
			-extract /images/pxeboot/vmlinuz vmlinuz \
			-extract /images/pxeboot/initrd.img initrd.img 2>/dev/null)
		chmod 0644 "$dir/vmlinuz" "$dir/initrd.img"
		local label=OEMDRV cmdline="inst.stage2=hd:LABEL=STANDIN-INSTALL console=ttyS0,115200"
		case $case in
		hdlabel) cmdline="inst.stage2=hd:LABEL=STANDIN-INSTALL inst.ks=hd:LABEL=OEMDRV:/ks.cfg" ;;
		cdrom) label=KSCD cmdline+=" inst.ks=cdrom:/ks.cfg" ;;
		esac
		(cd "$dir" && xorriso -as mkisofs -quiet -o ks.iso -V "$label" -J -r ks.cfg 2>/dev/null)
		boot="<kernel>$dir/vmlinuz</kernel><initrd>$dir/initrd.img</initrd><cmdline>$cmdline</cmdline>"
		devices="$(cdrom_xml "$iso" hdc) $(cdrom_xml "$dir/ks.iso" hdd)"
		;;
	esac
	domain_xml "$name" "$dir" "$mac" "$boot" "$devices" >"$dir/domain.xml"

	log "$case: booting $name (mac $mac)"
	t0=$(now_us)
	domains+=("$name")
	vsh create "$dir/domain.xml" >/dev/null
	local con=$dir/console-$name.log
	case $case in
	isolinux)
		wait_console "$con" 'Press Tab for full configuration' 120 "$name"
		t_menu=$(since "$t0")
		log "$case: menu after $t_menu s; typing <up><tab> text ks=$ks_url<enter>"
		press "$name" KEY_UP
		press "$name" KEY_TAB
		type_text "$name" " text ks=$ks_url"
		press "$name" KEY_ENTER
		;;
	grub)
		wait_console "$con" 'Test this media & install CentOS' 120 "$name"
		t_menu=$(since "$t0")
		log "$case: menu after $t_menu s; typing <up>e<down><down><end> text inst.ks=$ks_url<leftCtrlOn>x<leftCtrlOff>"
		press "$name" KEY_UP
		press "$name" KEY_E
		press "$name" KEY_DOWN
		press "$name" KEY_DOWN
		press "$name" KEY_END
		type_text "$name" " text inst.ks=$ks_url"
		press "$name" KEY_LEFTCTRL KEY_X
		;;
	check)
		wait_console "$con" 'Press Tab for full configuration' 120 "$name"
		t_menu=$(since "$t0")
		log "$case: menu after $t_menu s; typing <enter> (the default entry)"
		press "$name" KEY_ENTER
		;;
	oemdrv | hdlabel | cdrom)
		t_menu=-
		;;
	esac
	t_keys=$(since "$t0")
	wait_console "$con" 'stand-in installer: (done|failed), ' 600 "$name"
	t_done=$(since "$t0")
	grep -aq 'stand-in installer: done, '"${completion:-halt}" "$con" ||
		die "$case: the installer did not finish with ${completion:-halt}"
	log "$case: installer done after $t_done s"
	if [[ $case == check ]]; then
		grep -aq 'stand-in installer: medium check passed' "$con" || die "$case: no media check"
		wait_console "$con" 'Press ENTER to quit' 30 "$name"
		log "$case: Anaconda-style halt: pressing <enter>"
		press "$name" KEY_ENTER
	fi

	if [[ $case == isolinux || $case == grub ]]; then
		ks_ip=$(sed -n 's/.*stand-in installer: fetched kickstart .* from \([0-9.]*\) .*/\1/p' "$con" | tr -d '\r' | tail -n1)
		grep -q "^$ks_ip:.*/ks-$case.cfg" "$dir/../httpd.log" 2>/dev/null ||
			grep -aq "$ks_ip" "$dir/../httpd.log" ||
			die "$case: the HTTP server did not see a request from $ks_ip"
		# The domain may be gone already (poweroff): its lease stays.
		ip=$(lease_now "$mac")
		[[ $ip == "$ks_ip" ]] || die "$case: kickstart fetched from $ks_ip, but the install's lease is $ip"
		log "$case: kickstart fetched by $ks_ip (the install's DHCP lease)"
	else
		local want='read kickstart ks.cfg from OEMDRV volume'
		[[ $case == oemdrv || $case == check ]] || want='read kickstart /ks.cfg from /dev/sr1'
		grep -aq "$want" "$con" || die "$case: no '$want' on the console"
		# No network in the installer (nothing to fetch): no lease of its own.
		ip=
	fi

	if [[ $completion == poweroff ]]; then
		wait_gone "$name" 120
		t_install=$(since "$t0")
		log "$case: powered off after $t_install s; booting the disk alone"
		name2=${DOMAIN_PREFIX}installed-$case-$(random_hex 3)
		mac2=$(random_mac)
		domain_xml "$name2" "$dir" "$mac2" "<boot dev='hd'/>" "" >"$dir/domain2.xml"
		t0=$(now_us)
		domains+=("$name2")
		vsh create "$dir/domain2.xml" >/dev/null
	else
		t_install=$t_done
		log "$case: rebooting into the installed system"
		name2=$name
		mac2=$mac
		# A new boot, so a new DHCP client id (systemd-networkd's DUID): wait
		# for a lease other than the installer's.
		t0=$(now_us)
	fi
	local old_ip=${ip:-}
	ip=
	local t_lim
	t_lim=$(now_us)
	while :; do
		ip=$(lease "$mac2" 180 "$name2")
		[[ $name2 != "$name" || $ip != "$old_ip" ]] && break
		# Same MAC as the installer: dnsmasq may hand out the same address
		# again or a new one; accept the old one once the installed system
		# answers on it.
		ssh "${ssh_opts[@]}" "builder@$ip" true 2>/dev/null && break
		(($(now_us) - t_lim < 180 * 1000000)) || die "$case: installed system never answered"
		sleep 2
	done
	t_boot=$(since "$t0")
	wait_ssh builder "$ip" 300 "$name2"
	t_ssh=$(since "$t0")
	log "$case: installed system: lease $ip after $t_boot s, SSH after $t_ssh s"
	check_installed "$case" "$ip"
	vsh shutdown "$name2" >/dev/null
	wait_gone "$name2" 120
	printf '%s ok: menu %s s, keys typed %s s, installer done %s s, install wall %s s; installed system SSH %s s; root fs %s\n' \
		"$case" "$t_menu" "$t_keys" "$t_done" "$t_install" "$t_ssh" "$root_size"
}

main() {
	local -a cases=("$@")
	((${#cases[@]})) || cases=(isolinux grub oemdrv)
	: "${WORLD_NETWORK:?run in the world: world.sh run|exec -- $0}"
	: "${WORLD_INSTALLER_ISO_ISOLINUX:?world.env has no WORLD_INSTALLER_ISO_ISOLINUX}"
	: "${WORLD_INSTALLER_ISO_GRUB:?world.env has no WORLD_INSTALLER_ISO_GRUB}"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir -p "$STATE_DIR/tmp"
	chmod 0755 "$STATE_DIR/tmp"
	tmp=$(mktemp -d "$STATE_DIR/tmp/installer-selftest.XXXXXX")
	chmod 0755 "$tmp"

	key=$tmp/id_ed25519
	ssh-keygen -q -t ed25519 -N '' -C installer-selftest -f "$key"
	ssh_opts=(-F /dev/null -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=5 -o LogLevel=ERROR)

	# The kickstart server: on the bridge, inside the world, like Packer's.
	bridge_ip=$(vsh net-dumpxml "$WORLD_NETWORK" | sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p" | head -n1)
	[[ -n $bridge_ip ]] || die "no address on network $WORLD_NETWORK"
	www=$tmp/www
	mkdir -p "$www"
	http_port=$((20000 + RANDOM % 20000))
	busybox httpd -f -vv -p "$bridge_ip:$http_port" -h "$www" 2>"$tmp/httpd.log" &
	httpd_pid=$!
	log "kickstart server: http://$bridge_ip:$http_port/ (pid $httpd_pid)"

	local c
	for c in "${cases[@]}"; do
		case $c in
		isolinux | grub | oemdrv | hdlabel | cdrom | check) run_case "$c" ;;
		*) die "unknown case $c (isolinux, grub, oemdrv, hdlabel, cdrom, check)" ;;
		esac
	done
}

main "$@"
