//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"regexp"
)

// NamingConfig names the image and the build domain.
type NamingConfig struct {
	// The name of the image: the artifact is written as
	// `<output_directory>/<vm_name>.<format>`, and the build domain is
	// named `packer-<vm_name>-<random>` so that parallel builds never clash.
	// Defaults to the build name. Letters, digits, `.`, `_` and `-` only.
	VMName string `mapstructure:"vm_name" required:"false"`
}

var vmNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// Prepare sets the default name and checks it.
func (c *NamingConfig) Prepare(buildName string) []error {
	if c.VMName == "" {
		c.VMName = buildName
		if c.VMName == "" {
			c.VMName = "packer"
		}
	}
	if !vmNamePattern.MatchString(c.VMName) {
		return []error{fmt.Errorf("vm_name %q: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", c.VMName)}
	}
	return nil
}
