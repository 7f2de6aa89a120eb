//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"

	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// DiskConfig is the build disk.
type DiskConfig struct {
	// Size of the build disk, e.g. `20G`, `20480M` or `20480` (MiB). The
	// virtual disk grows to this size; in CentOS cloud images cloud-init's
	// growpart then grows the root partition at boot. Defaults to the
	// source image's size, and cannot be smaller than it.
	DiskSize string `mapstructure:"disk_size" required:"false"`

	diskSizeBytes int64
}

// Prepare checks the disk size.
func (c *DiskConfig) Prepare() []error {
	if c.DiskSize == "" {
		return nil
	}
	n, err := sizes.Parse(c.DiskSize)
	if err != nil {
		return []error{fmt.Errorf("disk_size: %w; write it like 20G or 20480M", err)}
	}
	if n < sizes.MiB*64 {
		return []error{fmt.Errorf("disk_size %q is smaller than 64 MiB; a bare number means MiB", c.DiskSize)}
	}
	c.diskSizeBytes = n
	return nil
}
