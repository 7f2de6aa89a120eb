package libvirt

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/netip"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// reservedLease is the lease time of the build's DHCP reservation. Knowing
// it lets the builder tell, from the lease's expiry, when the guest got
// its address, without watching for it.
const reservedLease = time.Hour

// stepReserveAddress gives the guest a fresh MAC and, where libvirt runs
// the network's DHCP, reserves an address for that MAC for the length of
// the build: dnsmasq then answers the guest's first DHCP request at once
// (it skips its 3 s ping probe for reserved hosts) and the builder knows
// the address without polling.
type stepReserveAddress struct{}

func (stepReserveAddress) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	mac, err := randomMAC()
	if err != nil {
		return fail(state, err)
	}
	r.mac = mac
	if !r.network.ManagesDHCP() {
		r.ui.Say(fmt.Sprintf("Network %s has no libvirt DHCP; the guest's address will be looked up once it is up", r.network.Name))
		return multistep.ActionContinue
	}
	leases, err := r.driver.DHCPLeases(r.network.Name)
	if err != nil {
		return fail(state, err)
	}
	tried := map[netip.Addr]bool{}
	var lastErr error
	// Another build may take the same free address between our look and
	// our reservation; libvirt then refuses it and we try another.
	for attempt := 0; attempt < 5; attempt++ {
		ip, err := freeAddress(r.network, leases, tried)
		if err != nil {
			return fail(state, err)
		}
		tried[ip] = true
		host := libvirtdriver.DHCPHost{MAC: mac, IP: ip, Lease: reservedLease}
		if lastErr = r.driver.AddDHCPHost(r.network.Name, host); lastErr == nil {
			r.ip, r.reserved = ip, true
			r.ui.Say(fmt.Sprintf("Reserved %s for the guest (MAC %s) on network %s", ip, mac, r.network.Name))
			return multistep.ActionContinue
		}
	}
	return fail(state, lastErr)
}

func (stepReserveAddress) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	if !r.reserved {
		return
	}
	host := libvirtdriver.DHCPHost{MAC: r.mac, IP: r.ip, Lease: reservedLease}
	if err := r.driver.RemoveDHCPHost(r.network.Name, host); err != nil {
		r.ui.Error(fmt.Sprintf("Could not remove the build's DHCP reservation: %v", err))
		return
	}
	r.reserved = false
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
