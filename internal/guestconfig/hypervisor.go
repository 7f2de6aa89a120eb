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
	// The libvirt connection URI. Defaults to `qemu:///system`. Only local
	// URIs (`qemu:///system`, `qemu:///session`) are supported: the guest's
	// disk, seed and console log are files on this host.
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
}

// Prepare sets defaults and checks the hypervisor settings.
func (c *HypervisorConfig) Prepare() []error {
	var errs []error
	if c.LibvirtURI == "" {
		c.LibvirtURI = "qemu:///system"
	}
	if err := checkLibvirtURI(c.LibvirtURI); err != nil {
		errs = append(errs, err)
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

func checkLibvirtURI(uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("libvirt_uri %q is not a URI; use e.g. qemu:///system", uri)
	}
	driver, transport, _ := strings.Cut(u.Scheme, "+")
	if driver != "qemu" && driver != "test" {
		return fmt.Errorf("libvirt_uri %q: driver %q is not supported; use qemu:///system or qemu:///session", uri, driver)
	}
	if u.Host != "" || (transport != "" && transport != "unix") {
		return fmt.Errorf("libvirt_uri %q points at a remote hypervisor, which is not supported yet; run Packer on the hypervisor host with qemu:///system", uri)
	}
	return nil
}
