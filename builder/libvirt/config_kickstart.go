//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"crypto/rand"
	"fmt"
	"os"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/kickstart"
)

// KickstartConfig is the kickstart that drives the installer in ISO mode:
// generated from a `kickstart { ... }` block, or your own file.
type KickstartConfig struct {
	// Your own kickstart, rendered as a Go template with `{{ .HTTPIP }}`,
	// `{{ .HTTPPort }}`, `{{ .SSHPublicKey }}`, `{{ .SSHUsername }}`,
	// `{{ .RootPasswordHash }}` and `{{ .Hostname }}`. It must install the
	// build's key, e.g. `sshkey --username={{ .SSHUsername }} "{{ .SSHPublicKey }}"`.
	// It is checked against the release like a generated one and refused
	// if it holds a plaintext password.
	KickstartFile string `mapstructure:"kickstart_file" required:"false"`
	// Root's password for `kickstart_file`, which sees only its SHA-512
	// crypt hash, new each build, as `{{ .RootPasswordHash }}` (write
	// `rootpw --iscrypted {{ .RootPasswordHash }}`). Keep it in a
	// `sensitive` variable. With a `kickstart` block, use its
	// `root_password` instead.
	RootPassword string `mapstructure:"root_password" required:"false"`
	// Generate the kickstart from these settings, written in the release's
	// own dialect. See the kickstart reference below.
	Kickstart *kickstart.Config `mapstructure:"kickstart" required:"false"`

	dialect  kickstart.Dialect
	rootHash string
}

// Prepare checks the kickstart settings of an ISO build of release
// version for the SSH user sshUser.
func (c *KickstartConfig) Prepare(version, sshUser, hostname string) []error {
	if version == "" {
		return []error{fmt.Errorf("source_type = \"iso\" needs centos_version (7, stream8, stream9, stream10): the kickstart is written and checked in that release's dialect")}
	}
	d, err := kickstart.DialectFor(version)
	if err != nil {
		return []error{err}
	}
	c.dialect = d
	if c.RootPassword != "" {
		packersdk.LogSecretFilter.Set(c.RootPassword)
	}
	switch {
	case c.KickstartFile != "" && c.Kickstart != nil:
		return []error{fmt.Errorf("kickstart_file and a kickstart block are both set; use one")}
	case c.KickstartFile != "":
		return c.checkFile(sshUser, hostname)
	case c.RootPassword != "":
		return []error{fmt.Errorf("root_password is for kickstart_file; in a kickstart block write root_password inside the block")}
	case c.Kickstart == nil:
		// An empty block is a complete, minimal installation.
		c.Kickstart = &kickstart.Config{}
	}
	for _, secret := range secrets(c.Kickstart) {
		packersdk.LogSecretFilter.Set(secret)
	}
	errs := c.Kickstart.Validate(d)
	if err := c.Kickstart.CheckSSHUsername(sshUser); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// checkFile renders the user's kickstart with stand-in values, so that
// template mistakes and plaintext passwords show at `packer validate`.
func (c *KickstartConfig) checkFile(sshUser, hostname string) []error {
	if _, err := os.Stat(c.KickstartFile); err != nil {
		return []error{fmt.Errorf("kickstart_file: %w", err)}
	}
	if c.RootPassword != "" {
		hash, err := kickstart.HashPassword(c.RootPassword, rand.Reader)
		if err != nil {
			return []error{fmt.Errorf("root_password: %w", err)}
		}
		c.rootHash = hash
	}
	ks, err := kickstart.RenderTemplateFile(c.KickstartFile, kickstart.TemplateData{
		HTTPIP: "192.0.2.1", HTTPPort: 8000, SSHUsername: sshUser, Hostname: hostname, RootPasswordHash: c.rootHash,
		SSHPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPLACEHOLDERPLACEHOLDERPLACEHOLDERPLACEHO",
	})
	if err != nil {
		return []error{fmt.Errorf("kickstart_file: %w", err)}
	}
	if err := kickstart.LintError(c.dialect, ks); err != nil {
		return []error{fmt.Errorf("kickstart_file %s: %w", c.KickstartFile, err)}
	}
	return nil
}

// render writes the kickstart for this build.
func (c *KickstartConfig) render(data kickstart.TemplateData) ([]byte, error) {
	if c.KickstartFile == "" {
		return c.Kickstart.Render(c.dialect, kickstart.RenderInput{
			SSHUsername: data.SSHUsername, SSHPublicKey: data.SSHPublicKey, Hostname: data.Hostname,
		})
	}
	data.RootPasswordHash = c.rootHash
	ks, err := kickstart.RenderTemplateFile(c.KickstartFile, data)
	if err != nil {
		return nil, fmt.Errorf("kickstart_file: %w", err)
	}
	return ks, kickstart.LintError(c.dialect, ks)
}

// secrets are the passwords in a kickstart block, which must never show
// in Packer's logs.
func secrets(k *kickstart.Config) []string {
	var out []string
	if k.RootPassword != "" {
		out = append(out, k.RootPassword)
	}
	for _, u := range k.Users {
		if u.Password != "" {
			out = append(out, u.Password)
		}
	}
	return out
}
