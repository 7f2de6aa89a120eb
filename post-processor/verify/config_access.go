//go:generate go tool packer-sdc struct-markdown

package verify

import (
	"fmt"
	"time"
)

// AccessConfig is how the verify guest is reached and stopped.
type AccessConfig struct {
	// Give the guest a cloud-init NoCloud seed with a fresh instance-id and
	// a temporary SSH key for `ssh_username` (the default). Set to `false`
	// for images without cloud-init, and give `ssh_password` or
	// `ssh_private_key_file` for an account the image already has.
	CloudInit *bool `mapstructure:"cloud_init" required:"false"`
	// How long the guest may take to power off after the checks. Defaults
	// to `1m`; after that it is forced off (the overlay is thrown away
	// anyway) and the run is not failed for it.
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout" required:"false"`
}

func (c *AccessConfig) cloudInit() bool { return c.CloudInit == nil || *c.CloudInit }

// prepare sets defaults and checks the access settings.
func (c *AccessConfig) prepare() []error {
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = time.Minute
	}
	if c.ShutdownTimeout < 0 {
		return []error{fmt.Errorf("shutdown_timeout must be positive, got %s", c.ShutdownTimeout)}
	}
	return nil
}
