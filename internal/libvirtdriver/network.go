package libvirtdriver

import (
	"fmt"
	"net/netip"

	"libvirt.org/go/libvirtxml"
)

// ParseNetwork reads a network's XML description.
func ParseNetwork(doc string) (Network, error) {
	var x libvirtxml.Network
	if err := x.Unmarshal(doc); err != nil {
		return Network{}, fmt.Errorf("parse network XML: %w", err)
	}
	n := Network{Name: x.Name}
	if x.Bridge != nil {
		n.Bridge = x.Bridge.Name
	}
	if x.Forward != nil {
		n.Forward = x.Forward.Mode
		if n.Forward == "" {
			n.Forward = "nat" // libvirt's default forward mode
		}
	}
	for _, ip := range x.IPs {
		if ip.Family != "" && ip.Family != "ipv4" {
			continue
		}
		addr, err := netip.ParseAddr(ip.Address)
		if err != nil || !addr.Is4() {
			continue
		}
		bits, err := prefixBits(ip)
		if err != nil {
			return Network{}, fmt.Errorf("network %s: %w", x.Name, err)
		}
		n.Gateway, n.Subnet = addr, netip.PrefixFrom(addr, bits).Masked()
		if ip.DHCP != nil {
			for _, r := range ip.DHCP.Ranges {
				start, err1 := netip.ParseAddr(r.Start)
				end, err2 := netip.ParseAddr(r.End)
				if err1 != nil || err2 != nil {
					return Network{}, fmt.Errorf("network %s: bad DHCP range %s-%s", x.Name, r.Start, r.End)
				}
				n.DHCP = append(n.DHCP, Range{start, end})
			}
			for _, h := range ip.DHCP.Hosts {
				host := DHCPHost{MAC: h.MAC, Name: h.Name}
				host.IP, _ = netip.ParseAddr(h.IP)
				n.Hosts = append(n.Hosts, host)
			}
		}
		break // the first IPv4 block is the one dnsmasq serves DHCPv4 on
	}
	return n, nil
}

func prefixBits(ip libvirtxml.NetworkIP) (int, error) {
	if ip.Prefix != 0 {
		return int(ip.Prefix), nil
	}
	if ip.Netmask == "" {
		return 24, nil
	}
	mask, err := netip.ParseAddr(ip.Netmask)
	if err != nil || !mask.Is4() {
		return 0, fmt.Errorf("bad netmask %q", ip.Netmask)
	}
	b := mask.As4()
	bits := 0
	for _, octet := range b {
		for i := 7; i >= 0; i-- {
			if octet&(1<<i) == 0 {
				return bits, nil
			}
			bits++
		}
	}
	return bits, nil
}

// hostXML renders a DHCP host entry for virNetworkUpdate.
func hostXML(h DHCPHost) (string, error) {
	x := libvirtxml.NetworkDHCPHost{MAC: h.MAC, Name: h.Name}
	if h.IP.IsValid() {
		x.IP = h.IP.String()
	}
	if h.Lease > 0 {
		x.Lease = &libvirtxml.NetworkDHCPLease{Expiry: uint(h.Lease.Seconds()), Unit: "seconds"}
	}
	return x.Marshal()
}
