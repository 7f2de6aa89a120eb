//go:generate go tool packer-sdc struct-markdown

// Package guestconfig holds the configuration a libvirt guest needs, shared
// by the centos-libvirt builder and the centos-verify post-processor: which
// hypervisor and network, and what virtual machine.
package guestconfig

import (
	"fmt"
	"net/url"
	"strings"
)

// HypervisorConfig says which hypervisor runs the guest and where its NIC
// is plugged in.
type HypervisorConfig struct {
	// The libvirt connection URI. Defaults to `qemu:///system`. A remote
	// hypervisor works too (`qemu+ssh://root@hv1/system`,
	// `qemu+tcp://hv1/system`, `qemu+tls://hv1/system`): images, seeds and
	// ISOs are then uploaded into `storage_pool` as volumes through
	// libvirt, and the result downloaded. See the remote hypervisors page.
	LibvirtURI string `mapstructure:"libvirt_uri" required:"false"`
	// The libvirt domain type: `kvm` (hardware virtualization), `qemu`
	// (TCG software emulation, 5-20x slower) or `auto` (the default): `kvm`
	// when libvirt's domain capabilities say KVM is usable on this host,
	// otherwise `qemu` with a warning in the build output.
	DomainType string `mapstructure:"domain_type" required:"false"`
	// The libvirt network the guest's NIC joins. Defaults to `default`,
	// libvirt's NAT network. An address is reserved for the guest on it
	// while it runs, so the network must be active.
	Network string `mapstructure:"network" required:"false"`
	// The libvirt storage pool that holds the guest's disks as volumes.
	// Defaults to `default` for a remote `libvirt_uri`; for a local one,
	// disks are files in a working directory on this host unless a pool
	// is named here.
	StoragePool string `mapstructure:"storage_pool" required:"false"`
	// Whether to remove, before the run starts, what earlier runs on this
	// host left when they were killed (SIGKILL, the OOM killer, a lost CI
	// agent) before they could clean up: the domain, DHCP reservation,
	// volumes and working directory of every run whose owner process is
	// gone. Objects of a running build, of another host or that the
	// plugin did not make are never touched. Defaults to `true`.
	Reclaim *bool `mapstructure:"reclaim" required:"false"`

	remote bool
}

// Reclaims tells whether the run removes what killed runs left.
func (c *HypervisorConfig) Reclaims() bool { return c.Reclaim == nil || *c.Reclaim }

// UsePool tells whether disks go into a storage pool as volumes.
func (c *HypervisorConfig) UsePool() bool { return c.StoragePool != "" }

// Remote tells whether libvirt_uri names another host.
func (c *HypervisorConfig) Remote() bool { return c.remote }

// Prepare sets defaults and checks the hypervisor settings.
func (c *HypervisorConfig) Prepare() []error {
	var errs []error
	if c.LibvirtURI == "" {
		c.LibvirtURI = "qemu:///system"
	}
	remote, err := checkLibvirtURI(c.LibvirtURI)
	if err != nil {
		errs = append(errs, err)
	}
	c.remote = remote
	if remote && c.StoragePool == "" {
		c.StoragePool = "default"
	}
	switch c.DomainType {
	case "":
		c.DomainType = "auto"
	case "auto", "kvm", "qemu":
	default:
		errs = append(errs, fmt.Errorf("domain_type %q is not one of auto, kvm, qemu", c.DomainType))
	}
	if c.Network == "" {
		c.Network = "default"
	}
	return errs
}

// checkLibvirtURI checks the URI and tells whether it is remote: with a
// host or a network transport, the hypervisor cannot read this host's
// files.
func checkLibvirtURI(uri string) (remote bool, err error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return false, fmt.Errorf("libvirt_uri %q is not a URI; use e.g. qemu:///system or qemu+ssh://root@host/system", uri)
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	if driver != "qemu" && driver != "test" {
		return false, fmt.Errorf("libvirt_uri %q: driver %q is not supported; use qemu:///system, qemu:///session or qemu+ssh://host/system", uri, driver)
	}
	switch transport {
	case "", "unix":
		return u.Host != "", nil
	case "ssh", "libssh", "libssh2", "tcp", "tls":
		return true, nil
	}
	return false, fmt.Errorf("libvirt_uri %q: transport %q is not one of ssh, libssh, libssh2, tcp, tls, unix", uri, transport)
}
