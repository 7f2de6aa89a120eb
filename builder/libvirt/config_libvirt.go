//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// LibvirtConfig says which hypervisor runs the build guest and how it is
// named and connected.
type LibvirtConfig struct {
	// The libvirt connection URI. Defaults to `qemu:///system`. Only local
	// URIs (`qemu:///system`, `qemu:///session`) are supported: the build
	// disk, seed and console log are files on this host.
	LibvirtURI string `mapstructure:"libvirt_uri" required:"false"`
	// The libvirt domain type: `kvm` (hardware virtualization), `qemu`
	// (TCG software emulation, 5-20x slower) or `auto` (the default): `kvm`
	// when libvirt's domain capabilities say KVM is usable on this host,
	// otherwise `qemu` with a warning in the build output.
	DomainType string `mapstructure:"domain_type" required:"false"`
	// The libvirt network the guest's NIC joins. Defaults to `default`,
	// libvirt's NAT network. The builder reserves an address for the guest
	// on it for the length of the build, so the network must be active.
	Network string `mapstructure:"network" required:"false"`
	// The name of the image: the artifact is written as
	// `<output_directory>/<vm_name>.<format>`, and the build domain is
	// named `packer-<vm_name>-<random>` so that parallel builds never clash.
	// Defaults to the build name. Letters, digits, `.`, `_` and `-` only.
	VMName string `mapstructure:"vm_name" required:"false"`
}

var vmNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// Prepare sets defaults and checks the libvirt settings.
func (c *LibvirtConfig) Prepare(buildName string) []error {
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
	if c.VMName == "" {
		c.VMName = buildName
		if c.VMName == "" {
			c.VMName = "packer"
		}
	}
	if !vmNamePattern.MatchString(c.VMName) {
		errs = append(errs, fmt.Errorf("vm_name %q: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", c.VMName))
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
