//go:generate go tool packer-sdc struct-markdown

package libvirt

// GeneralizeConfig controls what the builder does to the guest after the
// provisioners, so that every machine started from the image is a new
// instance.
type GeneralizeConfig struct {
	// Generalize the image after provisioning (the default): remove the SSH
	// host keys, empty /etc/machine-id, clean cloud-init's state and logs so
	// the next boot is a first boot, drop shell histories, package caches,
	// DHCP leases, the systemd random seed and temporary files. Set to
	// `false` to keep the guest exactly as the provisioners left it. The
	// build's SSH key is removed either way.
	Generalize *bool `mapstructure:"generalize" required:"false"`
}

// generalizes tells whether the build generalizes the image.
func (c *GeneralizeConfig) generalizes() bool { return c.Generalize == nil || *c.Generalize }
