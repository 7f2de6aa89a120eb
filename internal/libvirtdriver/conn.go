package libvirtdriver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

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

// Conn is a connection to a libvirt daemon. If the daemon goes away — it
// was restarted, or a remote link dropped — the next call reconnects, so a
// build can carry on, or at least clean up, once it is back.
type Conn struct {
	uri string

	mu     sync.Mutex
	c      *libvirt.Connect
	closed chan struct{}
}

// reconnectTimeout is how long a call waits for a vanished libvirtd to
// come back.
var reconnectTimeout = 60 * time.Second

// Open connects to the libvirt daemon at uri.
func Open(uri string) (*Conn, error) {
	startEventLoop()
	conn := &Conn{uri: uri}
	if err := conn.connect(); err != nil {
		return nil, err
	}
	return conn, nil
}

// connect opens the connection and watches it: libvirtd restarting or a
// remote link dying closes it, and waits must notice rather than hang.
func (c *Conn) connect() error {
	lc, err := libvirt.NewConnect(c.uri)
	if err != nil {
		return fmt.Errorf("connect to libvirt at %s: %w", c.uri, clean(err))
	}
	closed := make(chan struct{})
	var once sync.Once
	if err := lc.RegisterCloseCallback(func(*libvirt.Connect, libvirt.ConnectCloseReason) {
		once.Do(func() { close(closed) })
	}); err != nil {
		lc.Close()
		return fmt.Errorf("watch libvirt connection %s: %w", c.uri, clean(err))
	}
	c.c, c.closed = lc, closed
	return nil
}

// conn returns the live connection and the channel closed when it drops,
// reconnecting first if it already has: for up to reconnectTimeout, or
// until ctx ends.
func (c *Conn) conn(ctx context.Context) (*libvirt.Connect, <-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.closed:
	default:
		return c.c, c.closed, nil
	}
	_, _ = c.c.Close()
	deadline := time.Now().Add(reconnectTimeout)
	for {
		err := c.connect()
		if err == nil {
			return c.c, c.closed, nil
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("%w and did not come back within %s: %v", ErrConnectionLost, reconnectTimeout, err)
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%w; stopped waiting for it to come back: %w", ErrConnectionLost, ctx.Err())
		}
	}
}

// retry runs op, and once more after reconnecting if it failed because
// the connection dropped: clean-up must still happen when libvirtd comes
// back from a restart.
func (c *Conn) retry(ctx context.Context, op func() error) error {
	err := op()
	if err == nil {
		return nil
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	select {
	case <-closed: // the close callback can lag the failed call a little
	case <-time.After(2 * time.Second):
		return err
	case <-ctx.Done():
		return err
	}
	return op()
}

// URI is the URI the connection was opened with.
func (c *Conn) URI() string { return c.uri }

// closeTimeout bounds how long Close waits for the daemon to answer: a
// remote link whose far end is gone must not hold up a finished build.
var closeTimeout = 15 * time.Second

// Close ends the connection. If the daemon does not answer in time, Close
// gives up on it and says so.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.c.UnregisterCloseCallback()
	lc := c.c
	return within(closeTimeout, "close libvirt connection "+c.uri, func() error {
		_, err := lc.Close()
		return clean(err)
	})
}

// within runs op and waits at most d for it. Past that it returns an
// error naming what was being done, and leaves op to finish on its own.
func within(d time.Duration, what string, op func() error) error {
	done := make(chan error, 1)
	go func() { done <- op() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-time.After(d):
		return fmt.Errorf("%s: no answer within %s, gave up waiting", what, d)
	}
}

// KVMUsable asks libvirt whether it can run KVM guests on x86_64. The
// reason says why not when it can't.
func (c *Conn) KVMUsable(ctx context.Context) (bool, string) {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return false, err.Error()
	}
	doc, err := lc.GetDomainCapabilities("", "x86_64", "", "kvm", 0)
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

// CPUFeatures lists the CPU features a guest of domainType ("kvm",
// "qemu") gets with cpu: "" is QEMU's default model (qemu64), the
// host-passthrough, host-model and maximum modes are what libvirt's
// host-model for that domain type offers, anything else is a named model.
// libvirt expands the model into all its features.
func (c *Conn) CPUFeatures(ctx context.Context, domainType, cpu string) ([]string, error) {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return nil, err
	}
	want := libvirtxml.DomainCPU{Mode: "custom", Match: "exact", Model: &libvirtxml.DomainCPUModel{Value: cpu, Fallback: "forbid"}}
	switch cpu {
	case "":
		want.Model.Value = "qemu64"
	case "host-passthrough", "host-model", "maximum":
		doc, err := lc.GetDomainCapabilities("", "x86_64", "", domainType, 0)
		if err != nil {
			return nil, fmt.Errorf("read %s domain capabilities: %w", domainType, clean(err))
		}
		var caps libvirtxml.DomainCaps
		if err := caps.Unmarshal(doc); err != nil {
			return nil, fmt.Errorf("unreadable domain capabilities: %w", err)
		}
		found := false
		for _, m := range caps.CPU.Modes {
			if m.Name != "host-model" || m.Supported != "yes" || len(m.Models) == 0 {
				continue
			}
			found = true
			want.Model.Value = m.Models[0].Name
			for _, f := range m.Features {
				want.Features = append(want.Features, libvirtxml.DomainCPUFeature{Policy: f.Policy, Name: f.Name})
			}
		}
		if !found {
			return nil, fmt.Errorf("libvirt names no host-model CPU for %s guests", domainType)
		}
	}
	doc, err := want.Marshal()
	if err != nil {
		return nil, err
	}
	expanded, err := lc.BaselineHypervisorCPU("", "x86_64", "", domainType, []string{doc}, libvirt.CONNECT_BASELINE_CPU_EXPAND_FEATURES)
	if err != nil {
		return nil, fmt.Errorf("expand CPU model %s: %w", want.Model.Value, clean(err))
	}
	var got libvirtxml.DomainCPU
	if err := got.Unmarshal(expanded); err != nil {
		return nil, fmt.Errorf("unreadable CPU definition: %w", err)
	}
	var features []string
	for _, f := range got.Features {
		if f.Policy == "require" || f.Policy == "force" || f.Policy == "" {
			features = append(features, f.Name)
		}
	}
	return features, nil
}

// Network describes the named network.
func (c *Conn) Network(ctx context.Context, name string) (Network, error) {
	net, err := c.network(ctx, name)
	if err != nil {
		return Network{}, err
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

func (c *Conn) updateHost(ctx context.Context, network string, cmd libvirt.NetworkUpdateCommand, h DHCPHost) error {
	net, err := c.network(ctx, network)
	if err != nil {
		return err
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
func (c *Conn) AddDHCPHost(ctx context.Context, network string, h DHCPHost) error {
	if err := c.updateHost(ctx, network, libvirt.NETWORK_UPDATE_COMMAND_ADD_LAST, h); err != nil {
		return fmt.Errorf("reserve %s for %s on network %q: %w", h.IP, h.MAC, network, err)
	}
	return nil
}

// RemoveDHCPHost drops a reservation made by AddDHCPHost.
func (c *Conn) RemoveDHCPHost(ctx context.Context, network string, h DHCPHost) error {
	if err := c.retry(ctx, func() error { return c.updateHost(ctx, network, libvirt.NETWORK_UPDATE_COMMAND_DELETE, h) }); err != nil {
		return fmt.Errorf("remove reservation of %s for %s on network %q: %w", h.IP, h.MAC, network, err)
	}
	return nil
}

// DHCPLeases lists the network's current leases.
func (c *Conn) DHCPLeases(ctx context.Context, network string) ([]Lease, error) {
	net, err := c.network(ctx, network)
	if err != nil {
		return nil, err
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
func (c *Conn) InterfaceAddresses(ctx context.Context, domain string) ([]netip.Addr, error) {
	dom, err := c.lookup(ctx, domain)
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

func (c *Conn) network(ctx context.Context, name string) (*libvirt.Network, error) {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("look up network %q: %w", name, err)
	}
	net, err := lc.LookupNetworkByName(name)
	if isCode(err, libvirt.ERR_NO_NETWORK) {
		return nil, fmt.Errorf("network %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("look up network %q: %w", name, clean(err))
	}
	return net, nil
}

func (c *Conn) lookup(ctx context.Context, name string) (*libvirt.Domain, error) {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("look up domain %q: %w", name, err)
	}
	dom, err := lc.LookupDomainByName(name)
	if err != nil {
		if isCode(err, libvirt.ERR_NO_DOMAIN) {
			return nil, fmt.Errorf("domain %q: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("look up domain %q: %w", name, clean(err))
	}
	return dom, nil
}

// DefineDomain makes a persistent domain from XML without starting it.
func (c *Conn) DefineDomain(ctx context.Context, xml string) error {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return fmt.Errorf("define domain: %w", err)
	}
	dom, err := lc.DomainDefineXML(xml)
	if err != nil {
		return fmt.Errorf("define domain: %w", clean(err))
	}
	return clean(dom.Free())
}

// StartDomain boots a defined domain.
func (c *Conn) StartDomain(ctx context.Context, name string) error {
	dom, err := c.lookup(ctx, name)
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
func (c *Conn) ShutdownDomain(ctx context.Context, name string) error {
	dom, err := c.lookup(ctx, name)
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
func (c *Conn) DestroyDomain(ctx context.Context, name string) error {
	return c.onExistingDomain(ctx, name, func(dom *libvirt.Domain) error {
		if err := dom.Destroy(); err != nil && !isCode(err, libvirt.ERR_OPERATION_INVALID) {
			return fmt.Errorf("force off domain %q: %w", name, clean(err))
		}
		return nil
	})
}

// UndefineDomain removes a stopped domain's definition with its NVRAM;
// a domain that does not exist is not an error.
func (c *Conn) UndefineDomain(ctx context.Context, name string) error {
	return c.onExistingDomain(ctx, name, func(dom *libvirt.Domain) error {
		flags := libvirt.DOMAIN_UNDEFINE_NVRAM | libvirt.DOMAIN_UNDEFINE_MANAGED_SAVE |
			libvirt.DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | libvirt.DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
		err := dom.UndefineFlags(flags)
		if isCode(err, libvirt.ERR_INVALID_ARG) {
			// Hypervisor drivers without NVRAM or checkpoints refuse the flags.
			err = dom.Undefine()
		}
		if err != nil && !isCode(err, libvirt.ERR_NO_DOMAIN) {
			return fmt.Errorf("undefine domain %q: %w", name, clean(err))
		}
		return nil
	})
}

// onExistingDomain runs op on the domain, once more after a reconnect if
// the connection dropped; a domain that does not exist is left alone.
func (c *Conn) onExistingDomain(ctx context.Context, name string, op func(*libvirt.Domain) error) error {
	return c.retry(ctx, func() error {
		dom, err := c.lookup(ctx, name)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		defer dom.Free()
		return op(dom)
	})
}

// keyHold is how long a sent key is held down, as a person would.
const keyHold = 30 // milliseconds

// SendKeys presses codes (AT set 1 keycodes) together on the domain's
// keyboard and releases them.
func (c *Conn) SendKeys(ctx context.Context, name string, codes []uint) error {
	dom, err := c.lookup(ctx, name)
	if err != nil {
		return err
	}
	defer dom.Free()
	if err := dom.SendKey(uint(libvirt.KEYCODE_SET_ATSET1), keyHold, codes, 0); err != nil {
		return fmt.Errorf("send keys to domain %q: %w", name, clean(err))
	}
	return nil
}

// StreamConsole copies the domain's serial console to w through libvirt
// (virDomainOpenConsole), which works for a remote hypervisor too, until
// the domain stops or stop is called.
func (c *Conn) StreamConsole(ctx context.Context, name string, w io.Writer) (stop func(), err error) {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open console of domain %q: %w", name, err)
	}
	dom, err := c.lookup(ctx, name)
	if err != nil {
		return nil, err
	}
	defer dom.Free()
	st, err := lc.NewStream(0)
	if err != nil {
		return nil, fmt.Errorf("open console of domain %q: %w", name, clean(err))
	}
	if err := dom.OpenConsole("", st, libvirt.DOMAIN_CONSOLE_FORCE); err != nil {
		st.Free()
		return nil, fmt.Errorf("open console of domain %q: %w", name, clean(err))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(w, streamReader{st})
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = st.Abort()
			<-done
			_ = st.Free()
		})
	}, nil
}

// DomainRunning tells whether the domain is active.
func (c *Conn) DomainRunning(ctx context.Context, name string) (bool, error) {
	dom, err := c.lookup(ctx, name)
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
// events rather than polling. If libvirtd goes away meanwhile, it waits
// for it to come back and watches again.
func (c *Conn) WaitStopped(ctx context.Context, name string) error {
	for {
		err := c.waitStopped(ctx, name)
		if !errors.Is(err, ErrConnectionLost) || ctx.Err() != nil {
			return err
		}
	}
}

func (c *Conn) waitStopped(ctx context.Context, name string) error {
	lc, closed, err := c.conn(ctx)
	if err != nil {
		return fmt.Errorf("wait for domain %q to stop: %w", name, err)
	}
	dom, err := lc.LookupDomainByName(name)
	if isCode(err, libvirt.ERR_NO_DOMAIN) {
		return nil // gone already
	}
	if err != nil {
		return c.lost(closed, fmt.Errorf("look up domain %q: %w", name, clean(err)))
	}
	defer dom.Free()
	stopped := make(chan struct{}, 1)
	id, err := watchStopped(lc, dom, stopped)
	if err != nil {
		return c.lost(closed, fmt.Errorf("watch domain %q: %w", name, clean(err)))
	}
	defer lc.DomainEventDeregister(id)
	// Registered first, then checked, so a stop in between is not missed.
	if active, err := dom.IsActive(); isCode(err, libvirt.ERR_NO_DOMAIN) || err == nil && !active {
		return nil
	} else if err != nil {
		return c.lost(closed, fmt.Errorf("read state of domain %q: %w", name, clean(err)))
	}
	select {
	case <-stopped:
		return nil
	case <-closed:
		return fmt.Errorf("wait for domain %q to stop: %w", name, ErrConnectionLost)
	case <-ctx.Done():
		return fmt.Errorf("wait for domain %q to stop: %w", name, ctx.Err())
	}
}

// AttachDisk plugs the disk the device XML describes into the running
// domain, for this run of it only (nothing is saved in its definition).
func (c *Conn) AttachDisk(ctx context.Context, name, xml string) error {
	dom, err := c.lookup(ctx, name)
	if err != nil {
		return err
	}
	defer dom.Free()
	if err := dom.AttachDeviceFlags(xml, libvirt.DOMAIN_DEVICE_MODIFY_LIVE); err != nil {
		return fmt.Errorf("attach a disk to domain %q: %w", name, clean(err))
	}
	return nil
}

// RebootDomain asks the guest to reboot by pressing its ACPI power
// button with libvirt's reboot flag set: the guest shuts down cleanly and
// libvirt resets it instead of letting it power off. It returns once
// libvirt reports the reset (its reboot event), so the guest's next boot
// has begun; a guest that stops instead, or never gets there before ctx
// ends, is an error.
func (c *Conn) RebootDomain(ctx context.Context, name string) error {
	lc, closed, err := c.conn(ctx)
	if err != nil {
		return fmt.Errorf("reboot domain %q: %w", name, err)
	}
	dom, err := c.lookup(ctx, name)
	if err != nil {
		return err
	}
	defer dom.Free()
	reset := make(chan struct{}, 1)
	stopped := make(chan struct{}, 1)
	// Watched before asking, so an event in between is not missed.
	rid, err := lc.DomainEventRebootRegister(dom, func(*libvirt.Connect, *libvirt.Domain) { notify(reset) })
	if err != nil {
		return fmt.Errorf("watch domain %q for its reboot: %w", name, clean(err))
	}
	defer lc.DomainEventDeregister(rid)
	lid, err := watchStopped(lc, dom, stopped)
	if err != nil {
		return fmt.Errorf("watch domain %q for its reboot: %w", name, clean(err))
	}
	defer lc.DomainEventDeregister(lid)
	if err := dom.Reboot(libvirt.DOMAIN_REBOOT_ACPI_POWER_BTN); err != nil {
		return fmt.Errorf("send ACPI reboot to domain %q: %w", name, clean(err))
	}
	select {
	case <-reset:
		return nil
	case <-stopped:
		return fmt.Errorf("domain %q powered off instead of rebooting", name)
	case <-closed:
		return fmt.Errorf("wait for domain %q to reboot: %w", name, ErrConnectionLost)
	case <-ctx.Done():
		return fmt.Errorf("wait for domain %q to reboot: %w", name, ctx.Err())
	}
}

// watchStopped signals on ch when libvirt reports the domain stopped or
// undefined; deregister the returned callback id when done.
func watchStopped(lc *libvirt.Connect, dom *libvirt.Domain, ch chan struct{}) (int, error) {
	return lc.DomainEventLifecycleRegister(dom, func(_ *libvirt.Connect, _ *libvirt.Domain, ev *libvirt.DomainEventLifecycle) {
		if ev.Event == libvirt.DOMAIN_EVENT_STOPPED || ev.Event == libvirt.DOMAIN_EVENT_UNDEFINED {
			notify(ch)
		}
	})
}

// notify signals ch without waiting: one pending signal is enough.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// lost marks err as a lost connection if the connection has dropped, so
// the caller retries once libvirtd is back.
func (c *Conn) lost(closed <-chan struct{}, err error) error {
	select {
	case <-closed:
		return fmt.Errorf("%w: %w", ErrConnectionLost, err)
	default:
		return err
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
