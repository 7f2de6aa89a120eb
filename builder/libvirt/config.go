//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,ExportConfig
//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/common"
	"github.com/hashicorp/packer-plugin-sdk/communicator"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
)

// Config is the whole centos-libvirt source block. Each concern lives in
// its own struct and file; Prepare runs them all and reports every
// mistake at once.
type Config struct {
	common.PackerConfig          `mapstructure:",squash"`
	guestconfig.HypervisorConfig `mapstructure:",squash"`
	guestconfig.ImageCacheConfig `mapstructure:",squash"`
	guestconfig.MachineConfig    `mapstructure:",squash"`
	NamingConfig                 `mapstructure:",squash"`
	DiskConfig                   `mapstructure:",squash"`
	SourceConfig                 `mapstructure:",squash"`
	ISOConfig                    `mapstructure:",squash"`
	KickstartConfig              `mapstructure:",squash"`
	CloudInitConfig              `mapstructure:",squash"`
	BootConfig                   `mapstructure:",squash"`
	GeneralizeConfig             `mapstructure:",squash"`
	Comm                         communicator.Config `mapstructure:",squash"`
	ShutdownConfig               `mapstructure:",squash"`
	OutputConfig                 `mapstructure:",squash"`

	ctx interpolate.Context
}

// Prepare decodes the raw configuration, fills in defaults and checks it.
func (c *Config) Prepare(raws ...interface{}) ([]string, error) {
	err := config.Decode(c, &config.DecodeOpts{
		PluginType:         artifact.BuilderID,
		Interpolate:        true,
		InterpolateContext: &c.ctx,
		// The boot command is rendered when it is typed, once the
		// kickstart server's address is known.
		InterpolateFilter: &interpolate.RenderFilter{Exclude: []string{"boot_command"}},
	}, raws...)
	if err != nil {
		return nil, err
	}

	var errs *packersdk.MultiError
	add := func(es []error) { errs = packersdk.MultiErrorAppend(errs, es...) }

	var warnings []string
	warn := func(ws []string, es []error) { warnings = append(warnings, ws...); add(es) }

	add(c.HypervisorConfig.Prepare())
	add(c.ImageCacheConfig.Prepare())
	add(c.MachineConfig.Prepare())
	add(c.NamingConfig.Prepare(c.PackerBuildName))
	warn(c.ISOConfig.Prepare(&c.ctx))
	if c.iso() && c.DiskSize == "" {
		c.DiskSize = "20G" // an empty disk has no size of its own
	}
	add(c.DiskConfig.Prepare())
	warn(c.SourceConfig.Prepare(c.Firmware, c.iso()))
	if c.iso() {
		warn(c.ISOConfig.resolve(c.release, c.Firmware, &c.BootConfig))
	}
	add(c.CloudInitConfig.Prepare(c.VMName, c.iso()))
	add(c.BootConfig.Prepare(c.iso()))
	add(c.ShutdownConfig.Prepare())
	warn(c.GeneralizeConfig.Prepare())
	add(c.OutputConfig.Prepare(c.PackerBuildName, c.VMName))
	add(c.prepareComm())
	if c.iso() {
		add(c.KickstartConfig.Prepare(c.CentOSVersion, c.Comm.SSHUsername, c.Hostname))
		if c.Remote() && c.KickstartDelivery == deliverHTTP && c.bindDefault {
			add([]error{fmt.Errorf("with a remote libvirt_uri the installer cannot reach this host's kickstart server through the hypervisor's bridge; use kickstart_delivery = \"cdrom\" or set http_bind_address to an address of this host the guest can reach")})
		}
	}

	if errs != nil && len(errs.Errors) > 0 {
		return warnings, errs
	}
	return warnings, nil
}

// prepareComm fills the communicator defaults that depend on the source
// and checks that the communicator is one the builder can work with.
func (c *Config) prepareComm() []error {
	switch {
	case c.Comm.SSHUsername != "":
	case c.iso():
		// The kickstart gives root the build's key unless told otherwise.
		c.Comm.SSHUsername = "root"
	case c.release.DefaultUser != "":
		c.Comm.SSHUsername = c.release.DefaultUser
	}
	// ed25519 keys are small, fast to make and accepted by every CentOS
	// release from 7 on.
	if c.Comm.SSHTemporaryKeyPairType == "" {
		c.Comm.SSHTemporaryKeyPairType = "ed25519"
	}
	errs := c.Comm.Prepare(&c.ctx)
	if c.Comm.Type != "ssh" {
		errs = append(errs, fmt.Errorf("communicator %q is not supported: the builder provisions over SSH and removes its key before shutdown; use communicator = \"ssh\"", c.Comm.Type))
	}
	return errs
}
