#!/bin/sh
# network_pins.sh — prints "PATH MAC" for every network configuration that
# binds an interface to a MAC address: ifcfg HWADDR= and MACADDR=, udev
# persistent-net rules, NetworkManager mac-address=, systemd-networkd and
# .link MACAddress= (and PermanentMACAddress=) matches, ifupdown hwaddress;
# then a line "@@verifier@@" and this machine's own MAC addresses. Run by
# the network_not_pinned built-in.
mac='[0-9A-Fa-f][0-9A-Fa-f]\(:[0-9A-Fa-f][0-9A-Fa-f]\)\{5\}'
pins() { # FILE PATTERN: the MACs on the lines of FILE that match PATTERN
	[ -f "$1" ] || return 0
	grep -E "$2" "$1" 2>/dev/null | grep -o "$mac" | while read -r m; do echo "$1 $m"; done
}
for f in /etc/sysconfig/network-scripts/ifcfg-*; do
	pins "$f" '^[[:space:]]*(HWADDR|MACADDR)='
done
for f in /etc/udev/rules.d/*persistent-net*.rules; do
	pins "$f" 'ATTR\{address\}'
done
for f in /etc/NetworkManager/system-connections/*; do
	pins "$f" '^[[:space:]]*mac-address='
done
for f in /etc/systemd/network/*.network /etc/systemd/network/*.link; do
	pins "$f" '^[[:space:]]*(Permanent)?MACAddress='
done
for f in /etc/network/interfaces /etc/network/interfaces.d/*; do
	pins "$f" '^[[:space:]]*hwaddress'
done
echo "@@verifier@@"
cat /sys/class/net/*/address 2>/dev/null
exit 0
