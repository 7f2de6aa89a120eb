# shellcheck shell=bash
# variant.sh — what the RPM stand-in adds to the stand-in guest; build.sh
# sources it when given this directory (see README.md).

# shellcheck disable=SC2034 # read by build.sh
VARIANT_PACKAGES=(
	# the RPM database and a package manager that reads a dnf repository
	rpm dnf
	# SELinux: the reference policy, its tools, and auditd to log denials;
	# python3-selinux lets cloud-init label what it writes (without it the
	# ~/.ssh it makes for a new user is user_home_t, which sshd may not
	# read), as python3-libselinux does on CentOS
	selinux-basics selinux-policy-default auditd python3-selinux
	# firewalld with its nftables backend
	firewalld
	# /etc/services, which firewalld's service definitions and sshd's
	# policy lookups expect
	netbase
)
# shellcheck disable=SC2034 # read by build.sh
VARIANT_CMDLINE='security=selinux'
# shellcheck disable=SC2034 # read by build.sh
VARIANT_TOOLS=(rpmbuild rpmsign createrepo_c gpg checkmodule semodule_package)

# variant_finalize TREE — labels every file of the finished tree with the
# policy's file contexts, so the first boot finds a labelled file system
# and does not relabel (and reboot) as an unlabelled one would make it.
# It runs after mmdebstrap's own clean-up, which removes and creates files
# after the customize hooks; mkfs.ext4 -d carries the labels (the
# security.selinux xattrs) into the image.
variant_finalize() {
	local tree=$1
	mount -t proc proc "$tree/proc"
	local rc=0
	chroot "$tree" setfiles -F -e /proc -e /sys -e /dev \
		/etc/selinux/default/contexts/files/file_contexts / || rc=$?
	umount "$tree/proc"
	((rc == 0)) || die "setfiles could not label the tree (exit $rc)"
	log "file system labelled with the default policy's file contexts"
}
