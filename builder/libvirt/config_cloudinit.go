//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
)

// CloudInitConfig shapes the NoCloud seed the guest boots with. The seed
// always carries a fresh instance-id, the hostname and the communicator's
// public key for `ssh_username`.
type CloudInitConfig struct {
	// Your own cloud-init user-data (a `#cloud-config` document, a `#!`
	// script, ...). It is merged with the builder's: lists such as `users`
	// are appended to and keys you set keep your value.
	UserData string `mapstructure:"user_data" required:"false"`
	// Path of a file holding user-data, as an alternative to `user_data`.
	UserDataFile string `mapstructure:"user_data_file" required:"false"`
	// The guest's hostname during the build. Defaults to `vm_name`.
	Hostname string `mapstructure:"hostname" required:"false"`

	userData []byte
}

// Prepare reads and checks the user-data; iso says the build installs
// from an ISO, where there is no cloud-init seed.
func (c *CloudInitConfig) Prepare(vmName string, iso bool) []error {
	var errs []error
	if iso && (c.UserData != "" || c.UserDataFile != "") {
		errs = append(errs, fmt.Errorf("user_data and user_data_file go into the cloud-init seed of a cloud image; an ISO install is set up by its kickstart (kickstart post scripts)"))
	}
	switch {
	case c.UserData != "" && c.UserDataFile != "":
		errs = append(errs, fmt.Errorf("user_data and user_data_file are both set; use one"))
	case c.UserData != "":
		c.userData = []byte(c.UserData)
	case c.UserDataFile != "":
		b, err := os.ReadFile(c.UserDataFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("user_data_file: %w", err))
		}
		c.userData = b
	}
	if len(c.userData) > 0 {
		if _, err := cloudinit.ContentType(c.userData); err != nil {
			errs = append(errs, fmt.Errorf("user_data: %w", err))
		}
	}
	if c.Hostname == "" {
		c.Hostname = hostnameFrom(vmName)
	}
	if !hostnamePattern.MatchString(c.Hostname) {
		errs = append(errs, fmt.Errorf("hostname %q: use 1-63 letters, digits and '-', not starting or ending with '-'", c.Hostname))
	}
	return errs
}

var hostnamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// hostnameFrom makes a valid host name from a vm_name, which may contain
// '.' and '_'.
func hostnameFrom(vmName string) string {
	h := strings.Map(func(r rune) rune {
		if r == '.' || r == '_' {
			return '-'
		}
		return r
	}, vmName)
	h = strings.Trim(h, "-")
	if h == "" {
		return "packer"
	}
	return h
}
