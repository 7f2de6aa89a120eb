package guest

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

// ReserveAddress gives the guest a fresh MAC and, where libvirt runs the
// network's DHCP, reserves an address for that MAC for the life of the
// guest: dnsmasq then answers the guest's first DHCP request at once (it
// skips its 3 s ping probe for reserved hosts) and the address is known
// without polling. Elsewhere the address is looked up once the guest is up.
func (g *Guest) ReserveAddress(ctx context.Context) error {
	mac, err := randomMAC()
	if err != nil {
		return err
	}
	g.MAC = mac
	net := g.Host.Network
	if !net.ManagesDHCP() {
		g.UI.Say(fmt.Sprintf("Network %s has no libvirt DHCP; the guest's address will be looked up once it is up", net.Name))
		return nil
	}
	leases, err := g.Driver.DHCPLeases(ctx, net.Name)
	if err != nil {
		return err
	}
	tried := map[netip.Addr]bool{}
	var lastErr error
	// Another run may take the same free address between our look and our
	// reservation; libvirt then refuses it and we try another.
	for attempt := 0; attempt < 5; attempt++ {
		ip, err := freeAddress(net, leases, tried)
		if err != nil {
			return err
		}
		tried[ip] = true
		if err := g.Note(func(r *ownership.Record) { r.Network, r.MAC, r.IP = net.Name, mac, ip.String() }); err != nil {
			return err
		}
		if lastErr = g.Driver.AddDHCPHost(ctx, net.Name, g.reservation(ip)); lastErr == nil {
			g.IP, g.Reserved = ip, true
			g.UI.Say(fmt.Sprintf("Reserved %s for the guest (MAC %s) on network %s", ip, mac, net.Name))
			return nil
		}
	}
	return lastErr
}

// ReleaseAddress drops the reservation, if one was made. It runs at
// clean-up, after a cancel too, so it does not stop for a context.
func (g *Guest) ReleaseAddress() {
	if !g.Reserved {
		return
	}
	if err := g.Driver.RemoveDHCPHost(context.Background(), g.Host.Network.Name, g.reservation(g.IP)); err != nil {
		g.UI.Error(fmt.Sprintf("Could not remove the guest's DHCP reservation: %v", err))
		return
	}
	g.Reserved = false
}

func (g *Guest) reservation(ip netip.Addr) libvirtdriver.DHCPHost {
	return libvirtdriver.DHCPHost{MAC: g.MAC, IP: ip, Lease: reservedLease}
}

// LeaseTime is when the guest took its reserved address: the lease's
// expiry minus the reservation's lease time.
func (g *Guest) LeaseTime(ctx context.Context) (time.Time, bool) {
	if !g.Reserved {
		return time.Time{}, false
	}
	t, found, err := g.lease(ctx)
	return t, found && err == nil
}

// lease looks up when the guest took its reserved address, if it has.
func (g *Guest) lease(ctx context.Context) (taken time.Time, found bool, err error) {
	leases, err := g.Driver.DHCPLeases(ctx, g.Host.Network.Name)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, l := range leases {
		if strings.EqualFold(l.MAC, g.MAC) {
			return l.Expiry.Add(-reservedLease), true, nil
		}
	}
	return time.Time{}, false, nil
}

// freeAddress picks, from a random starting point, an address in the
// network's DHCP ranges that is neither reserved nor leased nor skipped.
func freeAddress(n libvirtdriver.Network, leases []libvirtdriver.Lease, skip map[netip.Addr]bool) (netip.Addr, error) {
	used := map[netip.Addr]bool{n.Gateway: true}
	for _, h := range n.Hosts {
		used[h.IP] = true
	}
	for _, l := range leases {
		used[l.IP] = true
	}
	for ip := range skip {
		used[ip] = true
	}
	var candidates []netip.Addr
	for _, rg := range n.DHCP {
		for ip := rg.Start; ip.IsValid() && ip.Compare(rg.End) <= 0 && len(candidates) < 1<<16; ip = ip.Next() {
			if !used[ip] {
				candidates = append(candidates, ip)
			}
		}
	}
	if len(candidates) == 0 {
		return netip.Addr{}, fmt.Errorf("network %s has no free address in its DHCP range", n.Name)
	}
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(candidates))))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("pick an address: %w", err)
	}
	return candidates[i.Int64()], nil
}

// randomMAC returns a MAC in the range libvirt and qemu use for guests.
func randomMAC() (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make MAC address: %w", err)
	}
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2]), nil
}
