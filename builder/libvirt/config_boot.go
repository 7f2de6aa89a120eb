//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/bootcommand"
)

// BootConfig is about the first moments after the guest starts: how long
// to wait, and in ISO mode what to type into the installer's boot menu.
type BootConfig struct {
	// Time to wait after starting the guest before typing the boot command
	// (ISO mode; default `10s`) or before trying SSH (cloud images; default
	// 0, since the builder waits for the guest's SSH server anyway).
	BootWait time.Duration `mapstructure:"boot_wait" required:"false"`
	// Keys typed into the installer's boot menu in ISO mode with
	// `boot_mode = "menu"`, in Packer's boot command syntax (`<up>`,
	// `<tab>`, `<enter>`, `<wait5>`, `<leftCtrlOn>`…). The keys go to the
	// guest through libvirt's send-key, no VNC needed. Template data:
	// `{{ .HTTPIP }}`, `{{ .HTTPPort }}` (the kickstart server),
	// `{{ .KickstartArg }}` (e.g. `inst.ks=http://192.168.122.1:8123/ks.cfg`
	// or `inst.ks=hd:LABEL=OEMDRV:/ks.cfg`) and `{{ .Name }}` (the domain).
	// Defaults to the `centos_version` preset's command for its boot menu.
	BootCommand []string `mapstructure:"boot_command" required:"false"`
	// Time between two keys of the boot command, e.g. `50ms`. Defaults to
	// `100ms` or the `PACKER_KEY_INTERVAL` environment variable.
	BootKeyInterval time.Duration `mapstructure:"boot_key_interval" required:"false"`
}

// Prepare checks the boot settings; iso says whether the build installs
// from an ISO, where a boot command is typed.
func (c *BootConfig) Prepare(iso bool) []error {
	var errs []error
	if c.BootWait < 0 {
		errs = append(errs, fmt.Errorf("boot_wait must not be negative, got %s", c.BootWait))
	}
	if c.BootKeyInterval < 0 {
		errs = append(errs, fmt.Errorf("boot_key_interval must not be negative, got %s", c.BootKeyInterval))
	}
	if !iso {
		if len(c.BootCommand) > 0 {
			errs = append(errs, fmt.Errorf("boot_command is only typed when installing from an ISO (source_type = \"iso\"); a cloud image boots by itself"))
		}
		return errs
	}
	if c.BootWait == 0 {
		c.BootWait = 10 * time.Second
	}
	if len(c.BootCommand) > 0 {
		if err := checkBootCommand(c.flatBootCommand()); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (c *BootConfig) flatBootCommand() string {
	cfg := bootcommand.BootConfig{BootCommand: c.BootCommand}
	return cfg.FlatBootCommand()
}

func checkBootCommand(command string) error {
	seq, err := bootcommand.GenerateExpressionSequence(command)
	if err != nil {
		return fmt.Errorf("boot_command: %w", err)
	}
	if errs := seq.Validate(); len(errs) > 0 {
		return fmt.Errorf("boot_command: %v", errs)
	}
	return nil
}
