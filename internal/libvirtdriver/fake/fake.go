// Package fake is an in-memory libvirt for step tests: it keeps networks,
// DHCP reservations, leases, domains and storage pools, lets a test decide
// how the guest behaves, and records what was asked of it. Calls that
// would wait or move data in a real libvirt honour their context; the
// others finish at once and ignore it.
package fake

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sort"
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
	// CPUFlags is what CPUFeatures reports for every model; nil is a
	// CPU with every x86-64-v3 feature.
	CPUFlags []string
	// IgnoreACPI makes the guest ignore ShutdownDomain, as a hung guest
	// would.
	IgnoreACPI bool
	// OnStart runs when a domain starts, e.g. to hand out a lease.
	OnStart func(d *Driver, name string)
	// OnReboot runs when a domain reboots.
	OnReboot func(d *Driver, name string)
	// Fail makes the named method return the error.
	Fail map[string]error
	// OnTransfer runs before an Upload or Download moves its bytes, with
	// the call's context, e.g. to hold it until the test cancels it. An
	// error it returns fails the call.
	OnTransfer func(ctx context.Context, call string) error

	mu       sync.Mutex
	networks map[string]*libvirtdriver.Network
	leases   map[string][]libvirtdriver.Lease
	domains  map[string]*Domain
	pools    map[string]map[string]*Volume
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
	d := &Driver{networks: map[string]*libvirtdriver.Network{}, leases: map[string][]libvirtdriver.Lease{}, domains: map[string]*Domain{},
		pools: map[string]map[string]*Volume{}}
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
func (d *Driver) KVMUsable(context.Context) (bool, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.record("KVMUsable")
	if d.KVM {
		return true, ""
	}
	return false, "fake: no KVM"
}

// x86v3 is an x86-64-v3 CPU's features, for the fake's default CPU.
var x86v3 = []string{"cx16", "lahf_lm", "popcnt", "sse4.1", "sse4.2", "ssse3", "avx", "avx2", "bmi1", "bmi2", "fma", "movbe", "xsave"}

// CPUFeatures reports CPUFlags.
func (d *Driver) CPUFeatures(context.Context, string, string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("CPUFeatures"); err != nil {
		return nil, err
	}
	if d.CPUFlags == nil {
		return x86v3, nil
	}
	return d.CPUFlags, nil
}

// Network describes a network.
func (d *Driver) Network(_ context.Context, name string) (libvirtdriver.Network, error) {
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
func (d *Driver) AddDHCPHost(_ context.Context, network string, h libvirtdriver.DHCPHost) error {
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
func (d *Driver) RemoveDHCPHost(_ context.Context, network string, h libvirtdriver.DHCPHost) error {
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
func (d *Driver) DHCPLeases(_ context.Context, network string) ([]libvirtdriver.Lease, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("DHCPLeases " + network); err != nil {
		return nil, err
	}
	return append([]libvirtdriver.Lease(nil), d.leases[network]...), nil
}

// InterfaceAddresses finds the domain's leases by its MAC.
func (d *Driver) InterfaceAddresses(_ context.Context, name string) ([]netip.Addr, error) {
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
func (d *Driver) DefineDomain(_ context.Context, doc string) error {
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

// OwnedDomains lists the domains whose metadata holds an element of
// namespace.
func (d *Driver) OwnedDomains(_ context.Context, namespace string) ([]libvirtdriver.OwnedDomain, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("OwnedDomains"); err != nil {
		return nil, err
	}
	var owned []libvirtdriver.OwnedDomain
	for name, dom := range d.domains {
		// libvirt answers with the element alone, without its
		// namespace declaration.
		if m := dom.XML.Metadata; m != nil && strings.Contains(m.XML, `xmlns="`+namespace+`"`) {
			owned = append(owned, libvirtdriver.OwnedDomain{Name: name, Metadata: strings.Replace(m.XML, ` xmlns="`+namespace+`"`, "", 1)})
		}
	}
	sort.Slice(owned, func(i, j int) bool { return owned[i].Name < owned[j].Name })
	return owned, nil
}

// StartDomain marks the domain running and calls OnStart.
func (d *Driver) StartDomain(_ context.Context, name string) error {
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
func (d *Driver) ShutdownDomain(_ context.Context, name string) error {
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
func (d *Driver) DestroyDomain(_ context.Context, name string) error {
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
func (d *Driver) UndefineDomain(_ context.Context, name string) error {
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
func (d *Driver) SendKeys(_ context.Context, name string, codes []uint) error {
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
func (d *Driver) StreamConsole(_ context.Context, name string, _ io.Writer) (func(), error) {
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

// AttachDisk adds the disk to a running domain's devices.
func (d *Driver) AttachDisk(_ context.Context, name, doc string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("AttachDisk " + name); err != nil {
		return err
	}
	dom, ok := d.domains[name]
	if !ok || !dom.Running {
		return fmt.Errorf("attach a disk to domain %q: not running", name)
	}
	var disk libvirtxml.DomainDisk
	if err := disk.Unmarshal(doc); err != nil {
		return fmt.Errorf("attach a disk to domain %q: %w", name, err)
	}
	dom.XML.Devices.Disks = append(dom.XML.Devices.Disks, disk)
	return nil
}

// RebootDomain reboots a running domain, unless IgnoreACPI is set, in
// which case it waits for ctx to end as for a guest that never reboots.
// The reboot calls OnReboot, e.g. to end or grant the next boot's login.
func (d *Driver) RebootDomain(ctx context.Context, name string) error {
	d.mu.Lock()
	if err := d.record("RebootDomain " + name); err != nil {
		d.mu.Unlock()
		return err
	}
	dom, ok := d.domains[name]
	if !ok || !dom.Running {
		d.mu.Unlock()
		return fmt.Errorf("reboot domain %q: not running", name)
	}
	ignore, onReboot := d.IgnoreACPI, d.OnReboot
	d.mu.Unlock()
	if ignore {
		<-ctx.Done()
		return fmt.Errorf("wait for domain %q to reboot: %w", name, ctx.Err())
	}
	if onReboot != nil {
		onReboot(d, name)
	}
	return nil
}

// Volume is a volume of a storage pool, its bytes in memory.
type Volume struct {
	libvirtdriver.Volume
	Data []byte
	// Modified counts the writes to it, as an mtime would move.
	Modified int64
}

// ListVolumes describes a pool's volumes, sorted by name.
func (d *Driver) ListVolumes(_ context.Context, pool string) ([]libvirtdriver.VolumeInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("ListVolumes " + pool); err != nil {
		return nil, err
	}
	vols, ok := d.pools[pool]
	if !ok {
		return nil, fmt.Errorf("storage pool %q: %w", pool, libvirtdriver.ErrNotFound)
	}
	var infos []libvirtdriver.VolumeInfo
	for name, v := range vols {
		infos = append(infos, libvirtdriver.VolumeInfo{Name: name, Path: volumePath(pool, name), Capacity: v.Capacity, Physical: v.Capacity,
			Allocation: uint64(len(v.Data)), BackingPath: v.BackingPath, Modified: v.Modified})
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	return infos, nil
}

// WriteVolume changes a volume's bytes behind the builds' backs, as
// someone on the hypervisor host could.
func (d *Driver) WriteVolume(pool, name string, data []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := d.pools[pool][name]
	v.Data = data
	v.Modified++
}

// AddPool creates an empty, running storage pool.
func (d *Driver) AddPool(name string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pools[name] = map[string]*Volume{}
}

// Volumes lists the names of a pool's volumes, sorted.
func (d *Driver) Volumes(pool string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var names []string
	for n := range d.pools[pool] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckPool tells whether the pool exists.
func (d *Driver) CheckPool(_ context.Context, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("CheckPool " + name); err != nil {
		return err
	}
	if _, ok := d.pools[name]; !ok {
		return fmt.Errorf("storage pool %q: %w", name, libvirtdriver.ErrNotFound)
	}
	return nil
}

func volumePath(pool, name string) string { return "/fake-pools/" + pool + "/" + name }

// CreateVolume adds an empty volume, refusing a name already taken.
func (d *Driver) CreateVolume(_ context.Context, pool string, v libvirtdriver.Volume) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("CreateVolume " + v.Name); err != nil {
		return "", err
	}
	vols, ok := d.pools[pool]
	if !ok {
		return "", fmt.Errorf("storage pool %q: %w", pool, libvirtdriver.ErrNotFound)
	}
	if _, ok := vols[v.Name]; ok {
		return "", fmt.Errorf("create volume %s: %w", v.Name, libvirtdriver.ErrExists)
	}
	vols[v.Name] = &Volume{Volume: v}
	return volumePath(pool, v.Name), nil
}

// CloneVolume copies a volume's bytes into a new one.
func (d *Driver) CloneVolume(ctx context.Context, pool, src, name, format string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("CloneVolume " + src + " " + name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	from, err := d.volume(pool, src)
	if err != nil {
		return err
	}
	if _, ok := d.pools[pool][name]; ok {
		return fmt.Errorf("create volume %s: it exists", name)
	}
	v := from.Volume
	v.Name, v.Format, v.BackingPath, v.BackingFormat = name, format, "", ""
	d.pools[pool][name] = &Volume{Volume: v, Data: append([]byte(nil), from.Data...)}
	return nil
}

// DeleteVolume removes a volume; one that does not exist is not an error.
func (d *Driver) DeleteVolume(_ context.Context, pool, name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.record("DeleteVolume " + name); err != nil {
		return err
	}
	delete(d.pools[pool], name)
	return nil
}

// Upload reads a local file into a volume.
func (d *Driver) Upload(ctx context.Context, pool, name, local string) error {
	if err := d.transfer(ctx, "Upload "+name); err != nil {
		return err
	}
	data, err := os.ReadFile(local)
	if err != nil {
		return fmt.Errorf("upload %s: %w", local, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	v, err := d.volume(pool, name)
	if err != nil {
		return err
	}
	v.Data = data
	v.Modified++
	return nil
}

// Download writes a volume's bytes to a local file.
func (d *Driver) Download(ctx context.Context, pool, name, local string) error {
	if err := d.transfer(ctx, "Download "+name); err != nil {
		return err
	}
	d.mu.Lock()
	v, err := d.volume(pool, name)
	var data []byte
	if err == nil {
		data = v.Data
	}
	d.mu.Unlock()
	if err != nil {
		return err
	}
	return os.WriteFile(local, data, 0o644)
}

// transfer records an Upload or Download and runs OnTransfer.
func (d *Driver) transfer(ctx context.Context, call string) error {
	d.mu.Lock()
	err := d.record(call)
	hook := d.OnTransfer
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if hook != nil {
		if err := hook(ctx, call); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (d *Driver) volume(pool, name string) (*Volume, error) {
	v, ok := d.pools[pool][name]
	if !ok {
		return nil, fmt.Errorf("volume %s of pool %q: %w", name, pool, libvirtdriver.ErrNotFound)
	}
	return v, nil
}
