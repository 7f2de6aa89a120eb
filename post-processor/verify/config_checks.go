//go:generate go tool packer-sdc struct-markdown

package verify

import (
	"fmt"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// ChecksConfig says what to check and where the reports go. Checks come
// from a spec file, from inline blocks in the post-processor block
// (`check_<type> { name = "..." ... }`), or both; an inline check replaces
// the file's check of the same type and name. The spec reference lists
// every check type.
type ChecksConfig struct {
	// Path of a spec file, HCL (`verify.hcl`) or JSON (`verify.json`, HCL's
	// JSON syntax); both have the same schema. Its `settings` and `image`
	// blocks apply too.
	Spec string `mapstructure:"spec" required:"false"`
	// Write a JUnit XML report here, for CI systems.
	ReportJUnit string `mapstructure:"report_junit" required:"false"`
	// Write a JSON report here.
	ReportJSON string `mapstructure:"report_json" required:"false"`
	// Write an HTML report here: one self-contained page (no script,
	// nothing fetched) with the verdict, every check with its status,
	// duration, attempts and message, the console tail when the guest did
	// not come up, and a timeline of the build's phases (from the
	// centos-libvirt artifact) followed by verify's, with the checks in
	// parallel lanes.
	ReportHTML string `mapstructure:"report_html" required:"false"`
	// How many checks run at once, 1 to 16. Overrides the spec's
	// `settings { parallel }`; defaults to 4.
	Parallel int `mapstructure:"parallel" required:"false"`
	// Time a check may take (its retries included) unless it sets its own
	// `timeout`. Overrides the spec's `settings { timeout }`; defaults to
	// `30s`.
	CheckTimeout time.Duration `mapstructure:"check_timeout" required:"false"`
	// Most seconds from power-on to a working SSH login the `boot_time`
	// built-in check allows. Overrides the spec's
	// `settings { max_boot_seconds }`; defaults to 300.
	MaxBootSeconds int `mapstructure:"max_boot_seconds" required:"false"`
	// Built-in checks to leave out, e.g. `["no_avc_denials"]`. Added to the
	// spec's `settings { disable }`.
	DisableChecks []string `mapstructure:"disable_checks" required:"false"`
	// After the checks, reboot the guest through libvirt (ACPI), wait for
	// SSH again and run the `second_boot` check: the system reaches
	// running with no failed units, and the hostname, machine-id and SSH
	// host keys are the ones the first boot made. Defaults to `true`; set
	// to `false` to save the second boot's time.
	Reboot *bool `mapstructure:"reboot" required:"false"`
}

func (c *ChecksConfig) reboot() bool { return c.Reboot == nil || *c.Reboot }

// prepare loads the spec file, applies the overrides and merges the
// inline checks.
func (c *ChecksConfig) prepare(inline []verifier.Check) (*verifier.Spec, []error) {
	spec := verifier.NewSpec()
	if c.Spec != "" {
		s, err := verifier.ParseFile(c.Spec)
		if err != nil {
			return nil, []error{fmt.Errorf("spec %s: %w", c.Spec, err)}
		}
		spec = s
	}
	set := &spec.Settings
	if c.Parallel != 0 {
		set.Parallel = c.Parallel
	}
	if c.CheckTimeout != 0 {
		set.Timeout = c.CheckTimeout
	}
	if c.MaxBootSeconds != 0 {
		set.MaxBootSeconds = c.MaxBootSeconds
	}
	set.Disable = append(set.Disable, c.DisableChecks...)
	if err := set.Validate(); err != nil {
		return nil, []error{fmt.Errorf("verify %w (from parallel, check_timeout, max_boot_seconds, disable_checks or the spec file)", err)}
	}
	spec.MergeChecks(inline)
	return spec, nil
}
