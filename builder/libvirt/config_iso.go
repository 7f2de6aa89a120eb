//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
)

// Source types.
const (
	sourceCloudImage = "cloud_image"
	sourceISO        = "iso"
)

// ISOConfig is the install-from-ISO mode: an installer ISO boots, Anaconda
// installs CentOS onto an empty disk as a kickstart says, and the
// installed disk is then provisioned and exported like a cloud image.
type ISOConfig struct {
	// What the build starts from: `cloud_image` (a GenericCloud image,
	// the default) or `iso` (install from an ISO with a kickstart). Setting
	// `iso_url` implies `iso`.
	SourceType string `mapstructure:"source_type" required:"false"`
	// URL or path of the installer ISO. Defaults to the `centos_version`
	// preset's DVD ISO. Downloaded through Packer's cache and attached
	// read-only.
	ISOURL string `mapstructure:"iso_url" required:"false"`
	// Like `iso_url`, several locations tried in order.
	ISOURLs []string `mapstructure:"iso_urls" required:"false"`
	// Checksum of the ISO, in the same forms as `source_image_checksum`
	// (`sha256:<hex>`, `file:<checksum file>`, a checksum file URL, or
	// `none`). Checksum files are read when the ISO is downloaded, so
	// `packer validate` works offline. Presets bring their own.
	ISOChecksum string `mapstructure:"iso_checksum" required:"false"`
	// How the installer is started: `menu` (the default) boots the ISO and
	// types `boot_command` into its boot menu; `kernel` takes
	// `images/pxeboot/vmlinuz` and `initrd.img` out of the ISO and boots
	// them directly with `inst.stage2=hd:LABEL=<the ISO's volume id>` and
	// the kickstart argument — no typing, no timing races.
	BootMode string `mapstructure:"boot_mode" required:"false"`
	// Extra kernel arguments for `boot_mode = "kernel"`, e.g.
	// `inst.repo=https://mirror.example.com/9-stream/BaseOS/x86_64/os/`.
	KernelArgs string `mapstructure:"kernel_args" required:"false"`
	// How long the installation may take, from boot to the installer
	// powering off or rebooting. Defaults to `60m`. A longer install fails
	// the build with the end of the serial console.
	InstallTimeout time.Duration `mapstructure:"install_timeout" required:"false"`
	// How the kickstart reaches the installer: `http` (the default) serves
	// it from a built-in HTTP server listening only on the libvirt
	// network's bridge address, or `cdrom` puts it as `ks.cfg` on a second
	// CD labelled `OEMDRV`, which Anaconda reads by itself — no network.
	KickstartDelivery string `mapstructure:"kickstart_delivery" required:"false"`

	commonsteps.HTTPConfig `mapstructure:",squash"`

	// bindDefault: http_bind_address was not set, so the server binds to
	// the network's bridge address, known only once libvirt is asked.
	bindDefault bool
}

// Boot modes.
const (
	bootMenu   = "menu"
	bootKernel = "kernel"
)

func (c *ISOConfig) iso() bool { return c.SourceType == sourceISO }

// servesHTTP tells whether the installer needs the HTTP server: for the
// kickstart, or for http_directory or http_content beside it.
func (c *ISOConfig) servesHTTP() bool {
	return c.KickstartDelivery == deliverHTTP || c.HTTPDir != "" || len(c.HTTPContent) != 0
}

// servedFiles names what the installer was given beside the system: the
// kickstart, and the files of http_directory and http_content. A copy of
// one left in the image fails verify's no_installer_leftovers.
func (c *ISOConfig) servedFiles() []string {
	if !c.iso() {
		return nil
	}
	files := []string{path.Base(kickstartPath)}
	for name := range c.HTTPContent {
		files = append(files, path.Base(name))
	}
	if c.HTTPDir != "" {
		_ = filepath.WalkDir(c.HTTPDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, d.Name())
			}
			return nil
		})
	}
	sort.Strings(files)
	return slices.Compact(files)
}

// Prepare settles the source type and checks the ISO settings. ctx is the
// configuration's interpolation context.
func (c *ISOConfig) Prepare(ctx *interpolate.Context) (warnings []string, errs []error) {
	if c.ISOURL != "" {
		c.ISOURLs = append([]string{c.ISOURL}, c.ISOURLs...)
	}
	switch c.SourceType {
	case "":
		c.SourceType = sourceCloudImage
		if len(c.ISOURLs) > 0 {
			c.SourceType = sourceISO
		}
	case sourceCloudImage:
		if len(c.ISOURLs) > 0 {
			errs = append(errs, fmt.Errorf("iso_url is set but source_type is %q; remove one of them", c.SourceType))
		}
	case sourceISO:
	default:
		errs = append(errs, fmt.Errorf("source_type %q is not one of cloud_image, iso", c.SourceType))
	}
	if !c.iso() {
		return nil, errs
	}
	for _, u := range c.ISOURLs {
		if err := checkSourceURL("iso_url", u); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.BootMode {
	case "":
		c.BootMode = bootMenu
	case bootMenu, bootKernel:
	default:
		errs = append(errs, fmt.Errorf("boot_mode %q is not one of menu, kernel", c.BootMode))
	}
	if c.KernelArgs != "" && c.BootMode != bootKernel {
		errs = append(errs, fmt.Errorf("kernel_args needs boot_mode = \"kernel\"; in menu mode put arguments in boot_command"))
	}
	if c.InstallTimeout == 0 {
		c.InstallTimeout = 60 * time.Minute
	}
	if c.InstallTimeout < 0 {
		errs = append(errs, fmt.Errorf("install_timeout must be positive, got %s", c.InstallTimeout))
	}
	switch c.KickstartDelivery {
	case "":
		c.KickstartDelivery = deliverHTTP
	case deliverHTTP, deliverCDROM:
	default:
		errs = append(errs, fmt.Errorf("kickstart_delivery %q is not one of http, cdrom", c.KickstartDelivery))
	}
	c.bindDefault = c.HTTPAddress == ""
	errs = append(errs, c.HTTPConfig.Prepare(ctx)...)
	if !c.bindDefault {
		if _, err := netip.ParseAddr(c.HTTPAddress); err != nil {
			errs = append(errs, fmt.Errorf("http_bind_address %q is not an IP address", c.HTTPAddress))
		} else if c.HTTPAddress == "0.0.0.0" || c.HTTPAddress == "::" {
			warnings = append(warnings, "http_bind_address = "+c.HTTPAddress+": the kickstart server answers on every interface of this host, not only the VM network.")
		}
	}
	if strings.TrimSpace(c.HTTPDir) != "" && c.KickstartDelivery == deliverCDROM {
		warnings = append(warnings, "http_directory is served although the kickstart goes on the OEMDRV CD.")
	}
	return warnings, errs
}

// Kickstart deliveries.
const (
	deliverHTTP  = "http"
	deliverCDROM = "cdrom"
)

// resolve fills in the ISO and the boot command from the release preset
// (r is zero without centos_version) and checks what the user gave.
func (c *ISOConfig) resolve(r centos.Release, firmware string, boot *BootConfig) (warnings []string, errs []error) {
	if len(c.ISOURLs) == 0 {
		if r.Version == "" {
			return nil, []error{fmt.Errorf("no installer ISO: set centos_version (%s) or iso_url", strings.Join(centos.Versions(), ", "))}
		}
		c.ISOURLs = []string{r.ISO.URL}
		if c.ISOChecksum == "" {
			c.ISOChecksum = r.ISO.Checksum
		}
	}
	sum, err := normalizeChecksum("iso_checksum", c.ISOChecksum)
	if err != nil {
		errs = append(errs, err)
	}
	c.ISOChecksum = sum
	if sum == "none" {
		warnings = append(warnings, "iso_checksum = \"none\": the ISO is not verified.")
	}
	switch {
	case c.BootMode == bootKernel && len(boot.BootCommand) > 0:
		errs = append(errs, fmt.Errorf("boot_command is not typed with boot_mode = \"kernel\"; remove it or use boot_mode = \"menu\""))
	case c.BootMode == bootMenu && len(boot.BootCommand) == 0 && r.Version != "":
		boot.BootCommand = []string{r.BootCommand[firmware]}
	case c.BootMode == bootMenu && len(boot.BootCommand) == 0:
		errs = append(errs, fmt.Errorf("boot_command is required to start an installer from iso_url without a centos_version preset; or use boot_mode = \"kernel\""))
	}
	return warnings, errs
}
