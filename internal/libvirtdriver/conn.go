package libvirtdriver

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"
)

var eventLoop sync.Once

// startEventLoop runs libvirt's default event loop for the life of the
// process. It must be registered before the first connection is opened,
// or that connection delivers no events.
func startEventLoop() {
	eventLoop.Do(func() {
		if err := libvirt.EventRegisterDefaultImpl(); err != nil {
			panic(fmt.Sprintf("register libvirt event loop: %v", err))
		}
		go func() {
			for {
				if err := libvirt.EventRunDefaultImpl(); err != nil {
					return
				}
			}
		}()
	})
}

// Conn is an open connection to a libvirt daemon.
type Conn struct {
	c      *libvirt.Connect
	uri    string
	closed chan struct{}
	once   sync.Once
}

// Open connects to the libvirt daemon at uri.
func Open(uri string) (*Conn, error) {
	startEventLoop()
	c, err := libvirt.NewConnect(uri)
	if err != nil {
		return nil, fmt.Errorf("connect to libvirt at %s: %w", uri, clean(err))
	}
	conn := &Conn{c: c, uri: uri, closed: make(chan struct{})}
	// libvirtd restarting or a remote link dying closes the connection;
	// waits must notice rather than hang until their timeout.
	if err := c.RegisterCloseCallback(func(*libvirt.Connect, libvirt.ConnectCloseReason) {
		conn.once.Do(func() { close(conn.closed) })
	}); err != nil {
		c.Close()
		return nil, fmt.Errorf("watch libvirt connection %s: %w", uri, clean(err))
	}
	return conn, nil
}

// URI is the URI the connection was opened with.
func (c *Conn) URI() string { return c.uri }

// Close ends the connection.
func (c *Conn) Close() error {
	_ = c.c.UnregisterCloseCallback()
	if _, err := c.c.Close(); err != nil {
		return fmt.Errorf("close libvirt connection: %w", clean(err))
	}
	return nil
}

// KVMUsable asks libvirt whether it can run KVM guests on x86_64. The
// reason says why not when it can't.
func (c *Conn) KVMUsable() (bool, string) {
	doc, err := c.c.GetDomainCapabilities("", "x86_64", "", "kvm", 0)
	if err != nil {
		return false, clean(err).Error()
	}
	var caps libvirtxml.DomainCaps
	if err := caps.Unmarshal(doc); err != nil {
		return false, fmt.Sprintf("unreadable domain capabilities: %v", err)
	}
	if caps.Domain != "kvm" {
		return false, fmt.Sprintf("domain capabilities are for %q, not kvm", caps.Domain)
	}
	return true, ""
}

// Network describes the named network.
func (c *Conn) Network(name string) (Network, error) {
	net, err := c.c.LookupNetworkByName(name)
	if err != nil {
		return Network{}, fmt.Errorf("look up network %q: %w", name, clean(err))
	}
	defer net.Free()
	doc, err := net.GetXMLDesc(0)
	if err != nil {
		return Network{}, fmt.Errorf("read network %q: %w", name, clean(err))
	}
	n, err := ParseNetwork(doc)
	if err != nil {
		return Network{}, err
	}
	n.Active, err = net.IsActive()
	if err != nil {
		return Network{}, fmt.Errorf("read state of network %q: %w", name, clean(err))
	}
	return n, nil
}

func (c *Conn) updateHost(network string, cmd libvirt.NetworkUpdateCommand, h DHCPHost) error {
	net, err := c.c.LookupNetworkByName(network)
	if err != nil {
		return fmt.Errorf("look up network %q: %w", network, clean(err))
	}
	defer net.Free()
	doc, err := hostXML(h)
	if err != nil {
		return fmt.Errorf("render DHCP host: %w", err)
	}
	// Live only: the reservation must not outlive the running network in
	// its persistent definition if clean-up never gets to run.
	return clean(net.Update(cmd, libvirt.NETWORK_SECTION_IP_DHCP_HOST, -1, doc, libvirt.NETWORK_UPDATE_AFFECT_LIVE))
}

// AddDHCPHost reserves h.IP for h.MAC on the running network.
func (c *Conn) AddDHCPHost(network string, h DHCPHost) error {
	if err := c.updateHost(network, libvirt.NETWORK_UPDATE_COMMAND_ADD_LAST, h); err != nil {
		return fmt.Errorf("reserve %s for %s on network %q: %w", h.IP, h.MAC, network, err)
	}
	return nil
}

// RemoveDHCPHost drops a reservation made by AddDHCPHost.
func (c *Conn) RemoveDHCPHost(network string, h DHCPHost) error {
	if err := c.updateHost(network, libvirt.NETWORK_UPDATE_COMMAND_DELETE, h); err != nil {
		return fmt.Errorf("remove reservation of %s for %s on network %q: %w", h.IP, h.MAC, network, err)
	}
	return nil
}

// DHCPLeases lists the network's current leases.
func (c *Conn) DHCPLeases(network string) ([]Lease, error) {
	net, err := c.c.LookupNetworkByName(network)
	if err != nil {
		return nil, fmt.Errorf("look up network %q: %w", network, clean(err))
	}
	defer net.Free()
	raw, err := net.GetDHCPLeases()
	if err != nil {
		return nil, fmt.Errorf("read DHCP leases of network %q: %w", network, clean(err))
	}
	leases := make([]Lease, 0, len(raw))
	for _, l := range raw {
		ip, err := netip.ParseAddr(l.IPaddr)
		if err != nil {
			continue
		}
		leases = append(leases, Lease{MAC: l.Mac, IP: ip, Hostname: l.Hostname, Expiry: l.ExpiryTime})
	}
	return leases, nil
}

// InterfaceAddresses lists the IPv4 addresses libvirt knows for the
// domain's NICs, from DHCP leases and, failing that, the host's ARP table
// (for networks whose DHCP libvirt does not run).
func (c *Conn) InterfaceAddresses(domain string) ([]netip.Addr, error) {
	dom, err := c.lookup(domain)
	if err != nil {
		return nil, err
	}
	defer dom.Free()
	var addrs []netip.Addr
	for _, src := range []libvirt.DomainInterfaceAddressesSource{
		libvirt.DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, libvirt.DOMAIN_INTERFACE_ADDRESSES_SRC_ARP,
	} {
		ifaces, err := dom.ListAllInterfaceAddresses(src)
		if err != nil {
			continue // a source the hypervisor can't query is not an error
		}
		for _, iface := range ifaces {
			for _, a := range iface.Addrs {
				if ip, err := netip.ParseAddr(a.Addr); err == nil && ip.Is4() {
					addrs = append(addrs, ip)
				}
			}
		}
		if len(addrs) > 0 {
			break
		}
	}
	return addrs, nil
}

func (c *Conn) lookup(name string) (*libvirt.Domain, error) {
	dom, err := c.c.LookupDomainByName(name)
	if err != nil {
		if isCode(err, libvirt.ERR_NO_DOMAIN) {
			return nil, fmt.Errorf("domain %q: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("look up domain %q: %w", name, clean(err))
	}
	return dom, nil
}

// DefineDomain makes a persistent domain from XML without starting it.
func (c *Conn) DefineDomain(xml string) error {
	dom, err := c.c.DomainDefineXML(xml)
	if err != nil {
		return fmt.Errorf("define domain: %w", clean(err))
	}
	return clean(dom.Free())
}

// CreateDomain boots a transient domain from XML: it exists until it
// stops and leaves no definition behind.
func (c *Conn) CreateDomain(xml string) error {
	dom, err := c.c.DomainCreateXML(xml, 0)
	if err != nil {
		return fmt.Errorf("create domain: %w", clean(err))
	}
	return clean(dom.Free())
}

// StartDomain boots a defined domain.
func (c *Conn) StartDomain(name string) error {
	dom, err := c.lookup(name)
	if err != nil {
		return err
	}
	defer dom.Free()
	if err := dom.Create(); err != nil {
		return fmt.Errorf("start domain %q: %w", name, clean(err))
	}
	return nil
}

// ShutdownDomain presses the guest's ACPI power button.
func (c *Conn) ShutdownDomain(name string) error {
	dom, err := c.lookup(name)
	if err != nil {
		return err
	}
	defer dom.Free()
	if err := dom.ShutdownFlags(libvirt.DOMAIN_SHUTDOWN_ACPI_POWER_BTN); err != nil {
		return fmt.Errorf("send ACPI shutdown to domain %q: %w", name, clean(err))
	}
	return nil
}

// DestroyDomain powers the domain off at once; a domain that is not
// running or does not exist is not an error.
func (c *Conn) DestroyDomain(name string) error {
	dom, err := c.lookup(name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dom.Free()
	if err := dom.Destroy(); err != nil && !isCode(err, libvirt.ERR_OPERATION_INVALID) {
		return fmt.Errorf("force off domain %q: %w", name, clean(err))
	}
	return nil
}

// UndefineDomain removes a stopped domain's definition with its NVRAM;
// a domain that does not exist is not an error.
func (c *Conn) UndefineDomain(name string) error {
	dom, err := c.lookup(name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dom.Free()
	flags := libvirt.DOMAIN_UNDEFINE_NVRAM | libvirt.DOMAIN_UNDEFINE_MANAGED_SAVE |
		libvirt.DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | libvirt.DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
	err = dom.UndefineFlags(flags)
	if isCode(err, libvirt.ERR_INVALID_ARG) {
		// Hypervisor drivers without NVRAM or checkpoints refuse the flags.
		err = dom.Undefine()
	}
	if err != nil && !isCode(err, libvirt.ERR_NO_DOMAIN) {
		return fmt.Errorf("undefine domain %q: %w", name, clean(err))
	}
	return nil
}

// keyHold is how long a sent key is held down, as a person would.
const keyHold = 30 // milliseconds

// SendKeys presses codes (AT set 1 keycodes) together on the domain's
// keyboard and releases them.
func (c *Conn) SendKeys(name string, codes []uint) error {
	dom, err := c.lookup(name)
	if err != nil {
		return err
	}
	defer dom.Free()
	if err := dom.SendKey(uint(libvirt.KEYCODE_SET_ATSET1), keyHold, codes, 0); err != nil {
		return fmt.Errorf("send keys to domain %q: %w", name, clean(err))
	}
	return nil
}

// DomainRunning tells whether the domain is active.
func (c *Conn) DomainRunning(name string) (bool, error) {
	dom, err := c.lookup(name)
	if err != nil {
		return false, err
	}
	defer dom.Free()
	active, err := dom.IsActive()
	if err != nil {
		return false, fmt.Errorf("read state of domain %q: %w", name, clean(err))
	}
	return active, nil
}

// WaitStopped blocks until the domain stops, using libvirt's lifecycle
// events rather than polling.
func (c *Conn) WaitStopped(ctx context.Context, name string) error {
	dom, err := c.lookup(name)
	if errors.Is(err, ErrNotFound) {
		return nil // a transient domain vanishes as it stops
	}
	if err != nil {
		return err
	}
	defer dom.Free()
	stopped := make(chan struct{}, 1)
	id, err := c.c.DomainEventLifecycleRegister(dom, func(_ *libvirt.Connect, _ *libvirt.Domain, ev *libvirt.DomainEventLifecycle) {
		if ev.Event == libvirt.DOMAIN_EVENT_STOPPED || ev.Event == libvirt.DOMAIN_EVENT_UNDEFINED {
			select {
			case stopped <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		return fmt.Errorf("watch domain %q: %w", name, clean(err))
	}
	defer c.c.DomainEventDeregister(id)
	// Registered first, then checked, so a stop in between is not missed.
	if active, err := dom.IsActive(); isCode(err, libvirt.ERR_NO_DOMAIN) || err == nil && !active {
		return nil
	} else if err != nil {
		return fmt.Errorf("read state of domain %q: %w", name, clean(err))
	}
	select {
	case <-stopped:
		return nil
	case <-c.closed:
		return fmt.Errorf("wait for domain %q to stop: %w", name, ErrConnectionLost)
	case <-ctx.Done():
		return fmt.Errorf("wait for domain %q to stop: %w", name, ctx.Err())
	}
}

// clean turns libvirt's "virError(Code=.., Domain=.., Message='...')" into
// its message, which is what people need to read.
func clean(err error) error {
	var lerr libvirt.Error
	if errors.As(err, &lerr) {
		return errors.New(lerr.Message)
	}
	return err
}

func isCode(err error, code libvirt.ErrorNumber) bool {
	var lerr libvirt.Error
	return errors.As(err, &lerr) && lerr.Code == code
}
