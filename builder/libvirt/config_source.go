//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/hcl2helper"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
)

// SourceConfig says which disk image the build starts from.
type SourceConfig struct {
	// The CentOS release to build: `7`, `stream8`, `stream9` or `stream10`.
	// It selects the GenericCloud qcow2 image, the default `ssh_username`
	// (`centos` for 7 and Stream 8, `cloud-user` for Stream 9 and 10) and
	// the CPU the release needs. At the start of the build the release's
	// checksum file (`CHECKSUM`, or `sha256sum.txt` for CentOS 7) is read
	// and the newest dated image for the firmware is downloaded, pinned by
	// its sha256; its name is printed and recorded in the artifact. The
	// moving `-latest` name is never downloaded. With `source_image_url`
	// set too, the image comes from that URL and the other preset values
	// still apply.
	CentOSVersion string `mapstructure:"centos_version" required:"false"`
	// Pins the preset's image to one dated build: `20250812.0` for Stream,
	// `2211` for CentOS 7. An unknown compose fails the build naming the
	// nearest ones. Empty (the default) takes the newest.
	CentOSCompose string `mapstructure:"centos_compose" required:"false"`
	// Base URL of a mirror laid out like `https://cloud.centos.org/` (the
	// default), or a local directory, for the preset's image and checksum
	// file: for air-gapped sites.
	CentOSMirror string `mapstructure:"centos_mirror" required:"false"`
	// URL or path of a qcow2 or raw disk image to start from, instead of or
	// in addition to a `centos_version` preset. Downloaded through Packer's
	// cache; local files are used in place and never modified.
	SourceImageURL string `mapstructure:"source_image_url" required:"false"`
	// Like `source_image_url`, several locations tried in order.
	SourceImageURLs []string `mapstructure:"source_image_urls" required:"false"`
	// Checksum of the source image: `sha256:<hex>` (also md5, sha1, sha512),
	// `file:<path or URL of a checksum file>` (GNU `sha256sum` or BSD
	// `SHA256 (file) = hash` format, as CentOS publishes), a bare checksum
	// file URL, or `none` to skip the check (you must write it). Required
	// with `source_image_url`; presets bring their own.
	SourceImageChecksum string `mapstructure:"source_image_checksum" required:"false"`

	release centos.Release
	// preset is the image to resolve when the build starts, for a
	// centos_version without a source_image_url.
	preset *centos.Query
}

var hexDigits = regexp.MustCompile(`^[0-9a-fA-F]+$`)

var checksumLengths = map[string]int{"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}

// Prepare resolves the preset and checks the source settings. firmware is
// the prepared hardware firmware, which picks the preset's image; iso says
// the build installs from an ISO instead (see ISOConfig).
func (c *SourceConfig) Prepare(firmware string, iso bool) (warnings []string, errs []error) {
	if c.SourceImageURL != "" {
		c.SourceImageURLs = append([]string{c.SourceImageURL}, c.SourceImageURLs...)
	}
	if c.CentOSVersion != "" {
		r, ok := centos.Lookup(c.CentOSVersion)
		if !ok {
			errs = append(errs, fmt.Errorf("centos_version %q is not one of %s", c.CentOSVersion, strings.Join(centos.Versions(), ", ")))
		} else {
			c.release = r
			if r.EndOfLife != "" {
				warnings = append(warnings, fmt.Sprintf("%s reached its end of life on %s and gets no updates.", r.Name, r.EndOfLife))
			}
			if len(c.SourceImageURLs) == 0 && !iso {
				errs = append(errs, c.preparePreset(firmware)...)
			}
		}
	}
	if iso {
		if len(c.SourceImageURLs) > 0 || c.SourceImageChecksum != "" {
			errs = append(errs, fmt.Errorf("source_image_url and source_image_checksum are for cloud images; with source_type = \"iso\" use iso_url and iso_checksum"))
		}
		return warnings, errs
	}
	if c.preset != nil {
		return warnings, errs
	}
	for field, v := range map[string]string{"centos_compose": c.CentOSCompose, "centos_mirror": c.CentOSMirror} {
		if v != "" {
			errs = append(errs, fmt.Errorf("%s only applies to a centos_version preset's own image; with source_image_url (or an ISO build) the URL says where the image is", field))
		}
	}
	if c.CentOSVersion == "" && len(c.SourceImageURLs) == 0 {
		errs = append(errs, fmt.Errorf("no source image: set centos_version (%s) or source_image_url", strings.Join(centos.Versions(), ", ")))
	}
	for _, u := range c.SourceImageURLs {
		if err := checkSourceURL("source_image_url", u); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.SourceImageURLs) > 0 && !unknown(c.SourceImageChecksum) {
		checksum, err := normalizeChecksum("source_image_checksum", c.SourceImageChecksum)
		if err != nil {
			errs = append(errs, err)
		}
		c.SourceImageChecksum = checksum
		if checksum == "none" {
			warnings = append(warnings, "source_image_checksum = \"none\": the source image is not verified.")
		}
	}
	return warnings, errs
}

// preparePreset sets up the preset image's resolution (see
// stepResolveSource) and checks what can be checked offline.
func (c *SourceConfig) preparePreset(firmware string) []error {
	var errs []error
	if c.SourceImageChecksum != "" {
		errs = append(errs, fmt.Errorf("source_image_checksum is set without source_image_url: the centos_version preset pins the sha256 from CentOS's checksum file; remove it, or set source_image_url too"))
	}
	q := &centos.Query{Version: c.CentOSVersion, Arch: centos.X86_64, Firmware: firmware, Compose: c.CentOSCompose, Mirror: c.CentOSMirror}
	if _, qerrs := q.Prepare(); len(qerrs) > 0 {
		for _, err := range qerrs {
			errs = append(errs, fmt.Errorf("centos_version %q: %w", c.CentOSVersion, presetField(err, firmware)))
		}
		return errs
	}
	c.preset = q
	return errs
}

// presetField names the query's fields as the builder calls them.
func presetField(err error, firmware string) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "arch "):
		_, why, _ := strings.Cut(msg, ": ")
		msg = fmt.Sprintf("with firmware = %q: %s; use firmware = \"bios\" or your own source_image_url", firmware, why)
	case strings.HasPrefix(msg, "compose "), strings.HasPrefix(msg, "mirror "):
		msg = "centos_" + msg
	}
	return errors.New(msg)
}

// unknown says whether v is a value Packer does not know yet: at `packer
// validate` data sources do not run, and their outputs (a centos-image's
// url and checksum) reach Prepare as placeholders.
func unknown(v string) bool {
	return v == "<unknown>" || v == hcl2helper.UnknownVariableValue
}

// checkSourceURL checks a download location; a local file must exist.
func checkSourceURL(field, u string) error {
	if unknown(u) {
		return nil
	}
	if u == "" {
		return fmt.Errorf("%ss contains an empty entry", field)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%s %q: %w", field, u, err)
	}
	if parsed.Scheme == "" || parsed.Scheme == "file" {
		path := u
		if parsed.Scheme == "file" {
			path = parsed.Path
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s %q: %w", field, u, err)
		}
	}
	return nil
}

// normalizeChecksum checks a checksum reference and turns a bare checksum
// file URL into the "file:" form the SDK's download step reads.
func normalizeChecksum(field, sum string) (string, error) {
	const forms = "write sha256:<hex>, file:<checksum file path or URL>, or none"
	switch {
	case sum == "":
		return "", fmt.Errorf("%s is required; %s", field, forms)
	case sum == "none":
		return sum, nil
	case strings.HasPrefix(sum, "http://"), strings.HasPrefix(sum, "https://"):
		return "file:" + sum, nil
	case strings.HasPrefix(sum, "file:"):
		if strings.TrimPrefix(sum, "file:") == "" {
			return "", fmt.Errorf("%s %q names no file; %s", field, sum, forms)
		}
		return sum, nil
	}
	kind, hex, found := strings.Cut(sum, ":")
	if !found {
		kind, hex = "", sum
	}
	if !hexDigits.MatchString(hex) {
		return "", fmt.Errorf("%s %q is not a checksum; %s", field, sum, forms)
	}
	if kind == "" {
		for k, n := range checksumLengths {
			if len(hex) == n {
				kind = k
			}
		}
		if kind == "" {
			return "", fmt.Errorf("%s %q has %d hex digits, which matches no md5/sha1/sha256/sha512; %s", field, sum, len(hex), forms)
		}
	}
	want, ok := checksumLengths[strings.ToLower(kind)]
	if !ok {
		return "", fmt.Errorf("%s %q: unknown checksum type %q; %s", field, sum, kind, forms)
	}
	if len(hex) != want {
		return "", fmt.Errorf("%s %q: a %s checksum has %d hex digits, not %d", field, sum, kind, want, len(hex))
	}
	return strings.ToLower(kind) + ":" + strings.ToLower(hex), nil
}
