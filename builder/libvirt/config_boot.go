//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"time"
)

// BootConfig is about the first moments after the guest starts.
type BootConfig struct {
	// Time to wait after starting the guest before trying to reach it over
	// SSH, e.g. `10s`. Defaults to 0: the builder already waits for the
	// guest's SSH server to answer.
	BootWait time.Duration `mapstructure:"boot_wait" required:"false"`
}

// Prepare checks the boot settings.
func (c *BootConfig) Prepare() []error {
	if c.BootWait < 0 {
		return []error{fmt.Errorf("boot_wait must not be negative, got %s", c.BootWait)}
	}
	return nil
}
