//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// OutputConfig is where and how the finished image is written.
type OutputConfig struct {
	// Directory the image and its `.sha256` file are written to. Defaults
	// to `output-<build name>`. It must not exist unless Packer runs with
	// `-force`, which deletes it first.
	OutputDirectory string `mapstructure:"output_directory" required:"false"`
	// `qcow2` (the default) or `raw`.
	Format string `mapstructure:"format" required:"false"`
	// Compression of a qcow2 image: `zstd` (the default, fast), `zlib` (for
	// consumers running qemu older than 5.1, such as CentOS 7 hosts, which
	// cannot read zstd) or `none`. Not allowed with `raw`.
	DiskCompression string `mapstructure:"disk_compression" required:"false"`
}

// Prepare sets defaults and checks the output settings.
func (c *OutputConfig) Prepare(buildName string) []error {
	var errs []error
	if c.OutputDirectory == "" {
		c.OutputDirectory = "output-" + buildName
	}
	switch c.Format {
	case "":
		c.Format = "qcow2"
	case "qcow2", "raw":
	default:
		errs = append(errs, fmt.Errorf("format %q is not one of qcow2, raw", c.Format))
	}
	switch c.DiskCompression {
	case "":
		c.DiskCompression = qemuimg.CompressionZstd
		if c.Format == "raw" {
			c.DiskCompression = qemuimg.CompressionNone
		}
	case qemuimg.CompressionZstd, qemuimg.CompressionZlib, qemuimg.CompressionNone:
		if c.Format == "raw" && c.DiskCompression != qemuimg.CompressionNone {
			errs = append(errs, fmt.Errorf("disk_compression %q needs format = \"qcow2\"; raw images are not compressed", c.DiskCompression))
		}
	default:
		errs = append(errs, fmt.Errorf("disk_compression %q is not one of zstd, zlib, none", c.DiskCompression))
	}
	return errs
}
