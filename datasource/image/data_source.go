//go:generate go tool packer-sdc mapstructure-to-hcl2 -type Config,DatasourceOutput
//go:generate go tool packer-sdc struct-markdown

// Package image is the centos-image data source: it finds the current (or
// a pinned) dated CentOS GenericCloud image in the release's checksum
// file and hands its URL and sha256 to a source, so a build is
// reproducible and says which image it started from.
package image

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/hashicorp/packer-plugin-sdk/template/config"
	"github.com/zclconf/go-cty/cty"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
)

// Config is the data source's block.
type Config struct {
	// The CentOS release: `7`, `stream8`, `stream9` or `stream10`.
	Version string `mapstructure:"version" required:"true"`
	// The architecture, as CentOS publishes it: `x86_64` (the default) or
	// `aarch64`.
	Arch string `mapstructure:"arch" required:"false"`
	// `bios` or `efi`, where the release has separate images (Stream 10 on
	// x86_64). Defaults to `bios` on x86_64 and `efi` on aarch64, whose
	// images boot UEFI only.
	Firmware string `mapstructure:"firmware" required:"false"`
	// Pins one dated build: `20250812.0` for Stream, `2211` for CentOS 7.
	// Empty (the default) picks the newest the checksum file lists. A
	// compose that is not listed is an error naming the nearest ones.
	Compose string `mapstructure:"compose" required:"false"`
	// Base URL of a mirror laid out like `https://cloud.centos.org/` (the
	// default), or a local directory, for air-gapped sites.
	Mirror string `mapstructure:"mirror" required:"false"`
	// How long reading the checksum file may take. Defaults to `2m`.
	Timeout time.Duration `mapstructure:"timeout" required:"false"`

	query centos.Query
}

// DatasourceOutput is what the data source gives templates.
type DatasourceOutput struct {
	// Download URL of the dated image, for `source_image_url`.
	URL string `mapstructure:"url"`
	// `sha256:<hex>` from the checksum file, for `source_image_checksum`.
	Checksum string `mapstructure:"checksum"`
	// The image's file name, such as
	// `CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2`.
	Name string `mapstructure:"name"`
	// The compose (build) id in the name: `20250812.0`, `2211`.
	Compose string `mapstructure:"compose"`
	// The file's size in bytes, 0 when the mirror does not say.
	Size int64 `mapstructure:"size"`
	// The account the image's cloud-init creates: `centos` for 7 and
	// Stream 8, `cloud-user` for Stream 9 and 10.
	SSHUsername string `mapstructure:"ssh_username"`
	// The checksum file the image was found in.
	ChecksumURL string `mapstructure:"checksum_url"`
}

// Datasource is centos-image.
type Datasource struct {
	config Config
	// client reads the mirror; nil is http.DefaultClient.
	client *http.Client
}

// ConfigSpec is the HCL2 schema of the data block.
func (d *Datasource) ConfigSpec() hcldec.ObjectSpec { return d.config.FlatMapstructure().HCL2Spec() }

// OutputSpec is the HCL2 schema of what Execute returns.
func (d *Datasource) OutputSpec() hcldec.ObjectSpec {
	return (&DatasourceOutput{}).FlatMapstructure().HCL2Spec()
}

// Configure decodes and checks the block; every mistake is reported at
// once, naming its field.
func (d *Datasource) Configure(raws ...interface{}) error {
	if err := config.Decode(&d.config, nil, raws...); err != nil {
		return err
	}
	c := &d.config
	var errs *packersdk.MultiError
	if c.Version == "" {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("version is required: one of %s", strings.Join(centos.Versions(), ", ")))
	} else {
		c.query = centos.Query{Version: c.Version, Arch: c.Arch, Firmware: c.Firmware, Compose: c.Compose, Mirror: c.Mirror}
		_, qerrs := c.query.Prepare()
		for _, err := range qerrs {
			errs = packersdk.MultiErrorAppend(errs, err)
		}
	}
	if c.Timeout < 0 {
		errs = packersdk.MultiErrorAppend(errs, fmt.Errorf("timeout %s is negative", c.Timeout))
	}
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Minute
	}
	if errs != nil && len(errs.Errors) > 0 {
		return errs
	}
	return nil
}

// Execute reads the checksum file and returns the chosen image.
func (d *Datasource) Execute() (cty.Value, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.config.Timeout)
	defer cancel()
	client := d.client
	if client == nil {
		client = http.DefaultClient
	}
	img, err := centos.Resolve(ctx, client, d.config.query)
	if err != nil {
		return cty.NullVal(cty.EmptyObject), fmt.Errorf("centos-image: %w", err)
	}
	out := DatasourceOutput{
		URL:         img.URL,
		Checksum:    img.Checksum,
		Name:        img.Name,
		Compose:     img.Compose,
		Size:        img.Size,
		SSHUsername: img.DefaultUser,
		ChecksumURL: img.ChecksumURL,
	}
	return hcl2helper.HCL2ValueFromConfig(out, d.OutputSpec()), nil
}
