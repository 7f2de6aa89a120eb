//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"time"
)

// ShutdownConfig is how the guest is stopped once provisioning is done.
type ShutdownConfig struct {
	// A command run over SSH to power the guest off, e.g.
	// `sudo shutdown -P now`. By default the builder presses the guest's
	// ACPI power button through libvirt instead, which needs no command.
	ShutdownCommand string `mapstructure:"shutdown_command" required:"false"`
	// How long the guest may take to power off, e.g. `2m`. Defaults to
	// `5m`. After that the build fails, showing the end of the serial
	// console, and the guest is forced off.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout" required:"false"`
}

// Prepare sets defaults and checks the shutdown settings.
func (c *ShutdownConfig) Prepare() []error {
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 5 * time.Minute
	}
	if c.ShutdownTimeout < 0 {
		return []error{fmt.Errorf("shutdown_timeout must be positive, got %s", c.ShutdownTimeout)}
	}
	return nil
}
