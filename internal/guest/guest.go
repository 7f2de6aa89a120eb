// Package guest runs one libvirt guest through its life for a build or a
// verify run: settling the host (network, domain type, CPU), reserving the
// guest's address, booting the domain, waiting for its SSH server, shutting
// it down and removing it — with errors that show the guest's serial
// console. The builder and the verify post-processor both drive it.
package guest

import (
	"context"
	"io"
	"net/netip"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

// Driver is what a guest needs from libvirt. libvirtdriver.Conn talks to a
// real daemon; libvirtdriver/fake stands in for it in tests. Every call
// takes a context: any of them may wait for a restarted libvirtd to come
// back, and the storage calls move whole disk images.
type Driver interface {
	KVMUsable(ctx context.Context) (bool, string)
	// CPUFeatures lists the features a guest of domainType with the
	// domainxml CPU choice cpu will see.
	CPUFeatures(ctx context.Context, domainType, cpu string) ([]string, error)
	Network(ctx context.Context, name string) (libvirtdriver.Network, error)
	AddDHCPHost(ctx context.Context, network string, h libvirtdriver.DHCPHost) error
	RemoveDHCPHost(ctx context.Context, network string, h libvirtdriver.DHCPHost) error
	DHCPLeases(ctx context.Context, network string) ([]libvirtdriver.Lease, error)
	InterfaceAddresses(ctx context.Context, domain string) ([]netip.Addr, error)
	DefineDomain(ctx context.Context, xml string) error
	StartDomain(ctx context.Context, name string) error
	ShutdownDomain(ctx context.Context, name string) error
	DestroyDomain(ctx context.Context, name string) error
	UndefineDomain(ctx context.Context, name string) error
	WaitStopped(ctx context.Context, name string) error
	RebootDomain(ctx context.Context, name string) error
	AttachDisk(ctx context.Context, name, xml string) error
	SendKeys(ctx context.Context, name string, codes []uint) error
	StreamConsole(ctx context.Context, name string, w io.Writer) (stop func(), err error)
	// OwnedDomains lists the domains with a metadata element of
	// namespace: the runs' ownership records.
	OwnedDomains(ctx context.Context, namespace string) ([]libvirtdriver.OwnedDomain, error)
	PoolDriver
}

// UI is where a guest reports progress and problems.
type UI interface {
	Say(string)
	Error(string)
}

// Guest is one domain and what is known about it.
type Guest struct {
	Driver Driver
	UI     UI
	// Name is the domain's name; unique per run.
	Name string
	// Host is what CheckHost settled.
	Host Host
	// ConsoleLog is the local file the serial console is written to.
	ConsoleLog string
	// Storage holds the guest's disks; a non-local one also means the
	// console reaches ConsoleLog through libvirt rather than as a file
	// libvirt writes.
	Storage Storage

	// Ledger keeps the run's ownership record; nil keeps none.
	Ledger *ownership.Ledger

	// Seeded says the guest boots with our cloud-init seed, and its login
	// depends on cloud-init reading it.
	Seeded bool

	// MAC is the guest NIC's address, set by ReserveAddress.
	MAC string
	// IP is known before boot when reserved, else once looked up.
	IP       netip.Addr
	Reserved bool

	// BootStarted is when the domain was started, or last reset by
	// Reboot.
	BootStarted time.Time
	// rebooted is set by Reboot, and consoleFrom is then where in
	// ConsoleLog the new boot's output begins.
	rebooted    bool
	consoleFrom int64
	created     bool
	stopConsole func()
}

// Note writes what the run is about to make into its ownership record,
// before it makes it: a run killed at any point leaves a record of all
// it may have left.
func (g *Guest) Note(change func(*ownership.Record)) error {
	if g.Ledger == nil {
		return nil
	}
	return g.Ledger.Update(change)
}

// reservedLease is the lease time of a DHCP reservation. Knowing it lets
// the guest's lease time be read back from the lease's expiry.
const reservedLease = time.Hour
