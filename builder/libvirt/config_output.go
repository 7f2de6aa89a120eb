//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
)

// OutputConfig is where the finished image goes and in which formats.
type OutputConfig struct {
	// Directory the outputs and their checksum file, `SHA256SUMS`, are
	// written to. Defaults to `output-<build name>`. It must not exist
	// unless Packer runs with `-force`, which deletes it first.
	OutputDirectory string `mapstructure:"output_directory" required:"false"`
	// The format of a build's one output, when it has no `export`
	// blocks: `qcow2` (the default) or `raw`. With `export` blocks, set
	// each block's `format` instead.
	Format string `mapstructure:"format" required:"false"`
	// Compression of that one qcow2 output: `zstd` (the default, fast),
	// `zlib` (for consumers running qemu older than 5.1, such as CentOS 7
	// hosts, which cannot read zstd) or `none`. Not allowed with `raw`.
	// With `export` blocks, set each block's `compression` instead.
	DiskCompression string `mapstructure:"disk_compression" required:"false"`
	// One block per output, each written from the same final disk for
	// one deployment target; see "Outputs for other environments" below.
	// Without any, the build writes one qcow2 (or `format`).
	Exports []ExportConfig `mapstructure:"export" required:"false"`

	// outputs are the outputs to write, settled by Prepare.
	outputs []exportOutput
}

// ExportConfig is one output of the build: the final disk in one
// target's format.
type ExportConfig struct {
	// `qcow2`, `raw`, `vmdk` (streamOptimized, for VMware and AWS VM
	// Import), `vhd` (fixed, whole MiB, for Azure), `vhdx` (dynamic, for
	// Hyper-V), `gce` (Google Compute Engine's `disk.raw` in a gzip'd GNU
	// tar, whole GiB), `ova` (OVF descriptor, streamOptimized disk, SHA256
	// manifest) or `containerdisk` (a KubeVirt containerDisk as an OCI
	// image archive).
	Format string `mapstructure:"format" required:"true"`
	// Compression of the qcow2 a `qcow2` or `containerdisk` output is or
	// holds: `zstd` (the default), `zlib` or `none`. The other formats
	// are compressed as their targets want them, or not at all, and take
	// no setting.
	Compression string `mapstructure:"compression" required:"false"`
	// The output's file name in `output_directory`. Defaults to
	// `<vm_name>.<extension>`: `.qcow2`, `.raw`, `.vmdk`, `.vhd`,
	// `.vhdx`, `.tar.gz` (gce), `.ova`, `.containerdisk.tar`. Two outputs
	// of one format need one of them named.
	FileName string `mapstructure:"file_name" required:"false"`
	// Marks the primary output: the disk `centos-verify` boots, which
	// every other output is proven to hold. It must be `qcow2` or `raw`.
	// Defaults to the first `qcow2` or `raw` output.
	Primary bool `mapstructure:"primary" required:"false"`
	// For `containerdisk`: push the image to this repository, with an
	// optional tag (`registry.example.com/images/centos-stream9:9.6`;
	// `latest` when none is given), once every output is written.
	// Credentials come from the Docker config (`$DOCKER_CONFIG` or
	// `~/.docker/config.json`, with its credential helpers) or podman's
	// `auth.json`, as `docker login` or `podman login` left them.
	Repository string `mapstructure:"repository" required:"false"`
}

// Names an output file may not take: the build's own files beside them.
var reservedNames = map[string]bool{checksumFile: true, timeline.FileName: true}

// Prepare sets defaults and checks the output settings; the outputs are
// named after vmName.
func (c *OutputConfig) Prepare(buildName, vmName string) []error {
	var errs []error
	if c.OutputDirectory == "" {
		c.OutputDirectory = "output-" + buildName
	}
	exports := c.Exports
	if len(exports) == 0 {
		errs = append(errs, c.prepareOne()...)
		one := ExportConfig{Format: c.Format}
		if c.Format == "qcow2" {
			one.Compression = c.DiskCompression
		}
		exports = []ExportConfig{one}
	} else if c.Format != "" || c.DiskCompression != "" {
		errs = append(errs, fmt.Errorf("format and disk_compression describe the one output of a build without export blocks; with export blocks, set format and compression in each block"))
	}
	names := map[string]int{}
	for i, e := range exports {
		out, es := e.prepare(vmName)
		for _, err := range es {
			errs = append(errs, fmt.Errorf("export #%d (%s): %w", i+1, e.Format, err))
		}
		if first, ok := names[out.fileName]; ok && out.fileName != "" {
			errs = append(errs, fmt.Errorf("export #%d and export #%d both write %s: give one of them a file_name", first+1, i+1, out.fileName))
		}
		names[out.fileName] = i
		c.outputs = append(c.outputs, out)
	}
	return append(errs, c.settlePrimary()...)
}

// prepareOne checks format and disk_compression, the settings of a build
// without export blocks.
func (c *OutputConfig) prepareOne() []error {
	var errs []error
	switch c.Format {
	case "":
		c.Format = "qcow2"
	case "qcow2", "raw":
	default:
		errs = append(errs, fmt.Errorf("format %q is not one of qcow2, raw; other formats are written by export blocks: export { format = %q }", c.Format, c.Format))
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

// prepare checks one export block and settles its output.
func (e ExportConfig) prepare(vmName string) (exportOutput, []error) {
	var errs []error
	f, ok := imageformat.Lookup(e.Format)
	if !ok {
		return exportOutput{}, []error{fmt.Errorf("format %q is not one of %s", e.Format, strings.Join(imageformat.Names(), ", "))}
	}
	out := exportOutput{format: f, fileName: e.FileName, primary: e.Primary}
	switch {
	case e.Compression == "" && f.Compressible:
		out.compression = qemuimg.CompressionZstd
	case e.Compression == "":
	case !f.Compressible:
		errs = append(errs, fmt.Errorf("compression %q: %s outputs take no compression setting (only qcow2 and containerdisk do); remove it", e.Compression, f.Name))
	case e.Compression == qemuimg.CompressionZstd || e.Compression == qemuimg.CompressionZlib || e.Compression == qemuimg.CompressionNone:
		out.compression = e.Compression
	default:
		errs = append(errs, fmt.Errorf("compression %q is not one of zstd, zlib, none", e.Compression))
	}
	if out.fileName == "" {
		out.fileName = vmName + f.Ext
	}
	switch {
	case out.fileName != filepath.Base(out.fileName) || out.fileName == "." || out.fileName == "..":
		errs = append(errs, fmt.Errorf("file_name %q must be a file name in output_directory, not a path", e.FileName))
	case reservedNames[out.fileName]:
		errs = append(errs, fmt.Errorf("file_name %q is the name of the build's own %s; choose another", out.fileName, out.fileName))
	}
	if e.Primary && !f.Bootable {
		errs = append(errs, fmt.Errorf("primary = true: the primary output is the disk centos-verify boots and must be one of %s", strings.Join(imageformat.BootableNames(), ", ")))
	}
	if e.Repository != "" {
		repo, err := checkRepository(f, e.Repository)
		if err != nil {
			errs = append(errs, err)
		}
		out.repository = repo
	}
	return out, errs
}

// checkRepository checks a containerdisk's repository and returns it with
// its tag.
func checkRepository(f imageformat.Format, repository string) (string, error) {
	if f.Name != "containerdisk" {
		return "", fmt.Errorf("repository: only containerdisk outputs are pushed; remove it, or set format = \"containerdisk\"")
	}
	if strings.Contains(repository, "@") {
		return "", fmt.Errorf("repository %q names a digest, which a push cannot choose; give a tag (registry/path/name:tag) or none", repository)
	}
	tag, err := name.NewTag(repository)
	if err != nil {
		return "", fmt.Errorf("repository %q is not a valid image reference (%v); write it as registry/path/name or registry/path/name:tag, in lower case", repository, err)
	}
	return tag.Name(), nil
}

// settlePrimary marks the primary output: the one marked so, else the
// first qcow2 or raw.
func (c *OutputConfig) settlePrimary() []error {
	var marked []int
	for i, o := range c.outputs {
		if o.primary {
			marked = append(marked, i)
		}
	}
	switch {
	case len(marked) > 1:
		var nums []string
		for _, i := range marked {
			nums = append(nums, fmt.Sprintf("#%d", i+1))
		}
		return []error{fmt.Errorf("export blocks %s all say primary = true; centos-verify boots one primary output: mark only one", strings.Join(nums, " and "))}
	case len(marked) == 1:
		return nil
	}
	for i, o := range c.outputs {
		if o.format.Bootable {
			c.outputs[i].primary = true
			return nil
		}
		if o.format.Name == "" {
			// An unknown format, reported already, may be the
			// primary misspelt.
			return nil
		}
	}
	if len(c.outputs) > 0 {
		return []error{fmt.Errorf("export: no qcow2 or raw output to be the primary, the disk centos-verify boots and proves every other output holds; add export { format = \"qcow2\" }")}
	}
	return nil
}

// pushes tells whether an output is pushed to a registry.
func (c *OutputConfig) pushes() bool {
	for _, o := range c.outputs {
		if o.repository != "" {
			return true
		}
	}
	return false
}
