// Package fake is an in-memory libvirt for step tests: it keeps networks,
// DHCP reservations, leases and domains, lets a test decide how the guest
// behaves, and records what was asked of it.
package fake

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"time"

	"libvirt.org/go/libvirtxml"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// Driver is the fake. Set its exported fields before use.
type Driver struct {
	// KVM is what KVMUsable reports.
	KVM bool
	// IgnoreACPI makes the guest ignore ShutdownDomain, as a hung guest
	// would.
	IgnoreACPI bool
	// OnStart runs when a domain starts, e.g. to hand out a lease.
	OnStart func(d *Driver, name string)
	// Fail makes the named method return the error.
	Fail map[string]error

	mu       sync.Mutex
	networks map[string]*libvirtdriver.Network
	leases   map[string][]libvirtdriver.Lease
	domains  map[string]*Domain
	calls    []string
	keys     [][]uint
}

// Domain is a defined domain.
type Domain struct {
	XML     libvirtxml.Domain
	Running bool
	stopped chan struct{}
}

// New returns a fake with the networks given.
func New(networks ...libvirtdriver.Network) *Driver {
	d := &Driver{networks: map[string]*libvirtdriver.Network{}, leases: map[string][]libvirtdriver.Lease{}, domains: map[string]*Domain{}}
	for i := range networks {
		n := networks[i]
		d.networks[n.Name] = &n
	}
	return d
}

// NATNetwork is a network like libvirt's "default".
func NATNetwork(name string) libvirtdriver.Network {
	return libvirtdriver.Network{
		Name: name, Bridge: "virbr0", Active: true, Forward: "nat",
		Gateway: netip.MustParseAddr("192.168.122.1"),
		Subnet:  netip.MustParsePrefix("192.168.122.0/24"),
		DHCP:    []libvirtdriver.Range{{Start: netip.MustParseAddr("192.168.122.2"), End: netip.MustParseAddr("192.168.122.254")}},
	}
}

func (d *Driver) record(call string) error {
	d.calls = append(d.calls, call)
	name, _, _ := strings.Cut(call, " ")
	return d.Fail[name]
}

// Calls lists the calls made, as "Method arg".
func (d *Driver) Calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

// Domains lists the defined domains' names.
func (d *Driver) Domains() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var names []string
	for n := range d.domains {
		names = append(names, n)
	}
	return names
}

// Domain returns a defined domain.
func (d *Driver) Domain(name string) (*Domain, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	dom, ok := d.domains[name]
	return dom, ok
}

// Hosts lists a network's DHCP reservations.
func (d *Driver) Hosts(network string) []libvirtdriver.DHCPHost {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]libvirtdriver.DHCPHost(nil), d.networks[network].Hosts...)
}

// Lease hands out a lease, as dnsmasq would when the guest asks.
func (d *Driver) Lease(network string, l libvirtdriver.Lease) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.leases[network] = append(d.leases[network], l)
}

// LeaseReserved hands the guest its reserved address, obtained at t.
func (d *Driver) LeaseReserved(network, mac string, t time.Time) {
	d.mu.Lock()
	var host libvirtdriver.DHCPHost
	for _, h := range d.networks[network].Hosts {
		if h.MAC == mac {
			host = h
		}
	}
	d.mu.Unlock()
	d.Lease(network, libvirtdriver.Lease{MAC: mac, IP: host.IP, Expiry: t.Add(host.Lease)})
}

// Stop makes a running domain stop, as a guest powering off would.
func (d *Driver) Stop(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dom, ok := d.domains[name]; ok && dom.Running {
		dom.Running = false
		close(dom.stopped)
	}
}

// KVMUsable reports the KVM field.
func (d *Driver) KVMUsable() (bool, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.record("KVMUsable")
	if d.KVM {
		return true, ""
	}
	return false, "fake: no KVM"
}

// Network describes a network.
func (d *Driver) Network(name string) (libvirtdriver.Network, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("Network " + name); err != nil {
		return libvirtdriver.Network{}, err
	}
	n, ok := d.networks[name]
	if !ok {
		return libvirtdriver.Network{}, fmt.Errorf("network %q: %w", name, libvirtdriver.ErrNotFound)
	}
	return *n, nil
}

// AddDHCPHost adds a reservation, refusing a MAC or IP already reserved
// as libvirt does.
func (d *Driver) AddDHCPHost(network string, h libvirtdriver.DHCPHost) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("AddDHCPHost " + h.IP.String()); err != nil {
		return err
	}
	n := d.networks[network]
	for _, o := range n.Hosts {
		if o.MAC == h.MAC || o.IP == h.IP {
			return fmt.Errorf("there is an existing dhcp host entry in network %q that matches", network)
		}
	}
	n.Hosts = append(n.Hosts, h)
	return nil
}

// RemoveDHCPHost drops a reservation.
func (d *Driver) RemoveDHCPHost(network string, h libvirtdriver.DHCPHost) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("RemoveDHCPHost " + h.IP.String()); err != nil {
		return err
	}
	n := d.networks[network]
	for i, o := range n.Hosts {
		if o.MAC == h.MAC && o.IP == h.IP {
			n.Hosts = append(n.Hosts[:i], n.Hosts[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("couldn't locate a matching dhcp host entry in network %q", network)
}

// DHCPLeases lists leases handed out with Lease.
func (d *Driver) DHCPLeases(network string) ([]libvirtdriver.Lease, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("DHCPLeases " + network); err != nil {
		return nil, err
	}
	return append([]libvirtdriver.Lease(nil), d.leases[network]...), nil
}

// InterfaceAddresses finds the domain's leases by its MAC.
func (d *Driver) InterfaceAddresses(name string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("InterfaceAddresses " + name); err != nil {
		return nil, err
	}
	dom, ok := d.domains[name]
	if !ok {
		return nil, fmt.Errorf("domain %q: %w", name, libvirtdriver.ErrNotFound)
	}
	var addrs []netip.Addr
	for _, iface := range dom.XML.Devices.Interfaces {
		for _, ls := range d.leases {
			for _, l := range ls {
				if iface.MAC != nil && l.MAC == iface.MAC.Address {
					addrs = append(addrs, l.IP)
				}
			}
		}
	}
	return addrs, nil
}

// DefineDomain parses and keeps the XML.
func (d *Driver) DefineDomain(doc string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var x libvirtxml.Domain
	if err := x.Unmarshal(doc); err != nil {
		return fmt.Errorf("define domain: %w", err)
	}
	if err := d.record("DefineDomain " + x.Name); err != nil {
		return err
	}
	if _, ok := d.domains[x.Name]; ok {
		return fmt.Errorf("define domain: domain %q already exists", x.Name)
	}
	d.domains[x.Name] = &Domain{XML: x}
	return nil
}

// StartDomain marks the domain running and calls OnStart.
func (d *Driver) StartDomain(name string) error {
	d.mu.Lock()
	if err := d.record("StartDomain " + name); err != nil {
		d.mu.Unlock()
		return err
	}
	dom, ok := d.domains[name]
	if !ok {
		d.mu.Unlock()
		return fmt.Errorf("domain %q: %w", name, libvirtdriver.ErrNotFound)
	}
	dom.Running, dom.stopped = true, make(chan struct{})
	onStart := d.OnStart
	d.mu.Unlock()
	if onStart != nil {
		onStart(d, name)
	}
	return nil
}

// ShutdownDomain stops the domain unless IgnoreACPI is set.
func (d *Driver) ShutdownDomain(name string) error {
	d.mu.Lock()
	err := d.record("ShutdownDomain " + name)
	ignore := d.IgnoreACPI
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if !ignore {
		go d.Stop(name) // a real guest takes a moment
	}
	return nil
}

// DestroyDomain stops the domain at once.
func (d *Driver) DestroyDomain(name string) error {
	d.mu.Lock()
	err := d.record("DestroyDomain " + name)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	d.Stop(name)
	return nil
}

// UndefineDomain forgets a stopped domain.
func (d *Driver) UndefineDomain(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("UndefineDomain " + name); err != nil {
		return err
	}
	if dom, ok := d.domains[name]; ok && dom.Running {
		return fmt.Errorf("undefine domain %q: it is running", name)
	}
	delete(d.domains, name)
	return nil
}

// SendKeys records the keys sent to a running domain.
func (d *Driver) SendKeys(name string, codes []uint) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record(fmt.Sprintf("SendKeys %s %x", name, codes)); err != nil {
		return err
	}
	if dom, ok := d.domains[name]; !ok || !dom.Running {
		return fmt.Errorf("send keys to domain %q: not running", name)
	}
	d.keys = append(d.keys, codes)
	return nil
}

// StreamConsole writes nothing: the fake guest prints nothing.
func (d *Driver) StreamConsole(name string, _ io.Writer) (func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("StreamConsole " + name); err != nil {
		return nil, err
	}
	return func() {}, nil
}

// Keys lists the key presses sent so far.
func (d *Driver) Keys() [][]uint {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]uint(nil), d.keys...)
}

// WaitStopped waits for the domain to stop.
func (d *Driver) WaitStopped(ctx context.Context, name string) error {
	d.mu.Lock()
	if err := d.record("WaitStopped " + name); err != nil {
		d.mu.Unlock()
		return err
	}
	dom, ok := d.domains[name]
	if !ok || !dom.Running {
		d.mu.Unlock()
		return nil
	}
	stopped := dom.stopped
	d.mu.Unlock()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for domain %q to stop: %w", name, ctx.Err())
	}
}
