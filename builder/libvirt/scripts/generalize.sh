#!/bin/sh
# generalize.sh SKIP BUILD_USER — leaves the guest ready for a first boot.
# The builder runs it as root over SSH as the last thing it does in the
# guest (generalize = true, the default). Each operation carries the name
# virt-sysprep gives the same work; SKIP lists the ones generalize_skip
# switches off. BUILD_USER, when set, is the account the build's cloud-init
# seed created to log in (ssh_username); user-account removes it unless it
# is the image's default cloud user. POSIX sh, for CentOS 7 to Stream 10
# and the Debian stand-in: each command is guarded by what the release has.
set -u
skip=" ${1:-} "
build_user=${2:-}

# op NAME WHAT: whether to run operation NAME (announcing WHAT).
op() {
	case $skip in *" $1 "*) echo "generalize: $1: skipped"; return 1 ;; esac
	echo "generalize: $1: $2"
}
# rmf PATH...: removes files and directories, quietly.
rmf() { rm -rf -- "$@" 2>/dev/null; true; }
# empty DIR...: removes the files below each DIR, keeping the directories,
# which packages often own (rpm -Va and dpkg --verify would miss them).
empty() {
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -mindepth 1 -xdev ! -type d -delete 2>/dev/null
	done
	true
}
# strip PATTERN FILE...: deletes the lines matching the ERE PATTERN.
strip() {
	pattern=$1
	shift
	for f in "$@"; do
		[ -f "$f" ] && sed -i -E "/$pattern/d" "$f"
	done
	true
}
# default_user (cloud-init's default_user name) is prepended when the
# script is sent: internal/cloudinit/default_user.sh.

# A build can get here before its boot is over: the provisioners need
# only SSH, and cloud-init's later stages run after sshd has started
# (older releases say "done" before the last stage has begun). Whatever
# they do after an operation undoes it: its config stage restarts sshd
# (ssh_pwauth), which makes new host keys; its last stage writes its log.
# So every operation waits for the boot and cloud-init to finish. systemd
# before v240 (CentOS 7) has no --wait: its jobs are polled.
if ! timeout 300 systemctl is-system-running --wait >/dev/null 2>&1 &&
	systemctl is-system-running --wait 2>&1 | grep -q -e unrecognized -e unknown; then
	i=0
	while [ "$i" -lt 300 ] && [ -n "$(systemctl list-jobs --no-legend 2>/dev/null)" ]; do
		sleep 1
		i=$((i + 1))
	done
fi
command -v cloud-init >/dev/null 2>&1 && timeout 300 cloud-init status --wait >/dev/null 2>&1

if [ -n "$build_user" ] && [ "$build_user" != root ] && [ "$build_user" != "$(default_user)" ] &&
	getent passwd "$build_user" >/dev/null && op user-account "remove the build's account $build_user, its home and sudo rule"; then
	home=$(getent passwd "$build_user" | cut -d: -f6)
	userdel -f -r "$build_user" 2>/dev/null || userdel -f "$build_user"
	case $home in /home/*) rmf "$home" ;; esac
	# cloud-init writes every seeded account's rule into one file.
	strip "^(# User rules for )?$build_user([[:space:]]|$)" /etc/sudoers.d/90-cloud-init-users
fi
if op ssh-hostkeys "stop the SSH server until the power-off, remove the SSH host keys"; then
	# Whatever started sshd again before the power-off — a provisioner's
	# timer, Restart=on-failure — would make new keys (CentOS's
	# sshd-keygen, the stand-in's drop-in), and they would ship. Masked in
	# /run only, so the image does not keep the mask; stopping kills the
	# listener alone (KillMode=process), not this session.
	for unit in sshd.service ssh.service sshd.socket ssh.socket; do
		systemctl mask --runtime "$unit" >/dev/null 2>&1
		systemctl stop "$unit" >/dev/null 2>&1
	done
	rmf /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub
fi
if op machine-id "empty /etc/machine-id"; then
	[ -f /etc/machine-id ] && : >/etc/machine-id
	[ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ] && rmf /var/lib/dbus/machine-id
fi
# cloud-init's own state, so the next boot is a first boot (no virt-sysprep
# counterpart: virt-sysprep leaves cloud-init alone).
if command -v cloud-init >/dev/null 2>&1 && op cloud-init "clean cloud-init's state and logs"; then
	cloud-init clean --logs --seed >/dev/null 2>&1 || cloud-init clean --logs >/dev/null 2>&1 ||
		rmf /var/lib/cloud/instance /var/lib/cloud/instances /var/lib/cloud/sem
fi
if op bash-history "remove shell histories"; then
	for home in /root $(getent passwd | cut -d: -f6 | sort -u); do
		[ -d "$home" ] || continue
		rmf "$home/.bash_history" "$home/.zsh_history" "$home/.history" "$home/.python_history" \
			"$home/.lesshst" "$home/.viminfo" "$home/.mysql_history" "$home/.psql_history"
	done
fi
if op logfiles "remove the installer's kickstart copies and logs, empty the system logs"; then
	rmf /root/anaconda-ks.cfg /root/original-ks.cfg /root/anaconda-post.log /root/install.log \
		/root/install.log.syslog /root/ks-post.log /root/ks.cfg /var/log/anaconda /var/log/installer
	# Rotated logs go; live ones are emptied in place, keeping their
	# owner, mode and SELinux label for the services that write them.
	find /var/log -xdev -type f \( -name '*.gz' -o -name '*.xz' -o -name '*.[0-9]' -o -name '*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' -o -name '*.old' \) -delete 2>/dev/null
	find /var/log -xdev -type f ! -path '/var/log/journal/*' -exec truncate -s 0 {} + 2>/dev/null
	if command -v journalctl >/dev/null 2>&1; then
		journalctl -q --rotate >/dev/null 2>&1 && journalctl -q --vacuum-time=1s >/dev/null 2>&1
	fi
fi
op utmp "empty the login records (utmp, wtmp, btmp, lastlog)" &&
	for f in /var/run/utmp /run/utmp /var/log/wtmp /var/log/btmp /var/log/lastlog; do [ -f "$f" ] && : >"$f"; done
op net-hwaddr "unpin ifcfg files from the build VM's MAC" &&
	strip '^[[:space:]]*(HWADDR|MACADDR)=' /etc/sysconfig/network-scripts/ifcfg-*
op net-hostname "remove HOSTNAME from ifcfg files" &&
	strip '^[[:space:]]*(HOSTNAME|DHCP_HOSTNAME)=' /etc/sysconfig/network-scripts/ifcfg-*
op udev-persistent-net "remove udev's persistent network rules" && rmf /etc/udev/rules.d/70-persistent-net.rules
if op net-nmconn "remove cloud-init's NetworkManager profiles, unpin the others from MACs"; then
	rmf /etc/NetworkManager/system-connections/cloud-init-*.nmconnection
	strip '^[[:space:]]*mac-address=' /etc/NetworkManager/system-connections/*
fi
op dhcp-client-state "remove DHCP client leases" &&
	rmf /var/lib/dhclient/* /var/lib/dhcp/dhclient* /var/lib/dhcp/*.leases /var/lib/NetworkManager/*.lease \
		/var/lib/NetworkManager/dhclient-* /var/lib/systemd/network/*.lease
op dhcp-server-state "remove DHCP server leases" && rmf /var/lib/dhcpd/*.leases* /var/lib/dhcp/dhcpd.leases*
op lvm-system-devices "remove LVM's device list, which names the build VM's disks" && rmf /etc/lvm/devices/system.devices
op yum-uuid "remove yum's installation UUID" && rmf /var/lib/yum/uuid
if op package-manager-cache "clean the package manager's cache"; then
	if command -v dnf >/dev/null 2>&1; then
		dnf -q clean all >/dev/null 2>&1
		# dnf's per-repository directories too: dnf-data owns only
		# /var/cache/dnf itself.
		find /var/cache/dnf -mindepth 1 -xdev -delete 2>/dev/null
	elif command -v yum >/dev/null 2>&1; then
		yum -q clean all >/dev/null 2>&1
		empty /var/cache/yum
	fi
	if command -v apt-get >/dev/null 2>&1; then
		apt-get clean >/dev/null 2>&1
		empty /var/lib/apt/lists
	fi
fi
# After the cache: dnf's clean opens the database too. Its Berkeley DB
# environment (7, 8) and lock files are the build's; so are SQLite's
# write-ahead log and index (9, 10) once the log is empty, which it is
# when the last rpm closed the database (a full one holds transactions).
if op rpm-db "remove the RPM database's environment and lock files"; then
	rmf /var/lib/rpm/__db.* /var/lib/rpm/.dbenv.lock /var/lib/rpm/.rpm.lock
	[ -s /var/lib/rpm/rpmdb.sqlite-wal ] || rmf /var/lib/rpm/rpmdb.sqlite-wal /var/lib/rpm/rpmdb.sqlite-shm
fi
op passwd-backups "remove the account databases' backup copies" &&
	rmf /etc/passwd- /etc/shadow- /etc/group- /etc/gshadow- /etc/subuid- /etc/subgid-
op backup-files "remove editor backup files in /etc" &&
	find /etc -xdev -type f \( -name '*~' -o -name '*.bak' -o -name '.*.swp' \) -delete 2>/dev/null
op mail-spool "empty the mail spools" && empty /var/spool/mail /var/mail
op cron-spool "remove users' cron and at jobs" && empty /var/spool/cron /var/spool/at
op crash-data "remove kernel crash dumps" && empty /var/crash
op abrt-data "remove ABRT's crash reports" && empty /var/spool/abrt /var/tmp/abrt
op pacct-log "empty the process accounting logs" &&
	for f in /var/account/pacct /var/log/account/pacct; do [ -f "$f" ] && : >"$f"; done
op pam-data "remove PAM's runtime state" && empty /var/run/console /var/run/faillock /var/run/sepermit
op kerberos-hostkeys "remove the Kerberos host keytab" && rmf /etc/krb5.keytab /etc/krb5.keytab.*
op ipa-client "remove the FreeIPA client's enrolment" &&
	rmf /etc/ipa/ca.crt /etc/ipa/default.conf /etc/ipa/nssdb /var/lib/ipa-client/sysrestore/* /var/lib/ipa-client/pki/*
op sssd-db-log "remove SSSD's caches and logs" && empty /var/lib/sss/db /var/log/sssd
op rh-subscription-manager "remove the subscription manager's identity" &&
	rmf /etc/pki/consumer/* /etc/pki/entitlement/* /var/lib/rhsm/cache/* /var/lib/rhsm/facts/*
op rhn-systemid "remove the RHN system id" && rmf /etc/sysconfig/rhn/systemid /etc/sysconfig/rhn/osad-auth.conf
op puppet-data-log "remove Puppet's data and logs" && empty /var/log/puppet /var/lib/puppet
op samba-db-log "remove Samba's databases and logs" && empty /var/log/samba /var/lib/samba/private
op dovecot-data "remove Dovecot's data" && empty /var/lib/dovecot
op blkid-tab "remove blkid's cache" && rmf /etc/blkid/blkid.tab /etc/blkid/blkid.tab.old /etc/blkid.tab /var/run/blkid.tab
# The random seed is this boot's entropy (no virt-sysprep counterpart in
# its defaults: random-seed is written anew by virt-sysprep).
op random-seed "remove the systemd random seed" && rmf /var/lib/systemd/random-seed /var/lib/random-seed
op tmp-files "remove temporary files" &&
	for d in /tmp /var/tmp; do [ -d "$d" ] && find "$d" -mindepth 1 -xdev -delete 2>/dev/null; done
sync
exit 0
