//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// GeneralizeConfig controls what the builder does to the guest after the
// provisioners, so that every machine started from the image is a new
// instance.
type GeneralizeConfig struct {
	// Generalize the image after provisioning (the default), with the
	// operations of virt-sysprep that apply to CentOS (see the
	// generalize section below): SSH host keys, machine-id, cloud-init's
	// state, logs and the installer's kickstart copies, MAC-pinned
	// network configuration, DHCP leases, package caches, the build's own
	// account and more. Set to `false` to keep the guest exactly as the
	// provisioners left it. The build's SSH key is removed either way.
	Generalize *bool `mapstructure:"generalize" required:"false"`
	// Generalize operations to leave out, by the names virt-sysprep gives
	// them (`logfiles`, `net-hwaddr`, `tmp-files`, ...; `cloud-init`,
	// `random-seed` and `user-account` are ours). An unknown name is an
	// error at `packer validate`.
	GeneralizeSkip []string `mapstructure:"generalize_skip" required:"false"`
}

// generalizes tells whether the build generalizes the image.
func (c *GeneralizeConfig) generalizes() bool { return c.Generalize == nil || *c.Generalize }

// generalizeOperations are the operations scripts/generalize.sh performs,
// read from the script itself so the two cannot disagree.
var generalizeOperations = func() []string {
	var ops []string
	for _, m := range regexp.MustCompile(`(?m)\bop ([a-z-]+) "`).FindAllStringSubmatch(script("generalize.sh"), -1) {
		ops = append(ops, m[1])
	}
	return ops
}()

// Prepare checks generalize_skip.
func (c *GeneralizeConfig) Prepare() (warnings []string, errs []error) {
	for _, name := range c.GeneralizeSkip {
		if !slices.Contains(generalizeOperations, name) {
			errs = append(errs, fmt.Errorf("generalize_skip: %q is not a generalize operation; valid: %s", name, strings.Join(generalizeOperations, ", ")))
		}
	}
	if !c.generalizes() && len(c.GeneralizeSkip) > 0 {
		warnings = append(warnings, "generalize_skip has no effect with generalize = false")
	}
	return warnings, errs
}
