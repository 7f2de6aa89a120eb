package libvirt

import (
	"context"
	"net/netip"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// Driver is what a build needs from libvirt. libvirtdriver.Conn talks to a
// real daemon; libvirtdriver/fake stands in for it in step tests.
type Driver interface {
	KVMUsable() (bool, string)
	Network(name string) (libvirtdriver.Network, error)
	AddDHCPHost(network string, h libvirtdriver.DHCPHost) error
	RemoveDHCPHost(network string, h libvirtdriver.DHCPHost) error
	DHCPLeases(network string) ([]libvirtdriver.Lease, error)
	InterfaceAddresses(domain string) ([]netip.Addr, error)
	DefineDomain(xml string) error
	StartDomain(name string) error
	ShutdownDomain(name string) error
	DestroyDomain(name string) error
	UndefineDomain(name string) error
	WaitStopped(ctx context.Context, name string) error
}
