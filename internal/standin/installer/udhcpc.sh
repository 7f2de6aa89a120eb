#!/bin/sh
# shellcheck disable=SC2154 # interface, ip, ... come from udhcpc
# udhcpc.sh — busybox udhcpc's event script in the stand-in installer's
# initramfs (installed as /etc/udhcpc.sh; /init runs `udhcpc -s` with it).
# udhcpc only talks DHCP; this script applies what it got. Called as
# `udhcpc.sh EVENT` with the lease in the environment: interface, ip, mask
# (prefix length), router, dns, serverid.
#
# The address goes to /run/standin-net so that /init can log which address
# fetched the kickstart (the tests check it against the DHCP lease).

case ${1-} in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	if [ -n "${router-}" ]; then
		# Several routers: the first one will do.
		# shellcheck disable=SC2086
		set -- $router
		ip route replace default via "$1" dev "$interface"
	fi
	: >/etc/resolv.conf
	for s in ${dns-}; do
		echo "nameserver $s" >>/etc/resolv.conf
	done
	echo "$interface $ip/${mask:-24} ${serverid-}" >/run/standin-net
	;;
leasefail | nak)
	echo "stand-in installer: DHCP on $interface: $1" >/dev/console
	;;
esac
exit 0
