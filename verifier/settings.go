package verifier

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Settings tune a verification run. Start from DefaultSettings: the zero
// value disables built-in checks.
type Settings struct {
	// Parallel is how many checks run at once (1 to MaxParallel).
	Parallel int
	// Timeout is the per-check timeout for checks that set none.
	Timeout time.Duration
	// MaxBootSeconds is the boot_time built-in's limit.
	MaxBootSeconds int
	// BuiltinChecks turns all built-in checks on or off.
	BuiltinChecks bool
	// Disable names built-in checks to leave out (see BuiltinNames).
	Disable []string

	// AllowedAuthorizedKeys are public keys (authorized_keys lines) the
	// image may carry on purpose; authorized_keys_expected accepts them
	// beside the key verify logs in with.
	AllowedAuthorizedKeys []string
	// AllowedPasswordlessSudo are accounts no_unexpected_sudoers lets
	// have passwordless sudo, beside the image's default cloud user.
	AllowedPasswordlessSudo []string
	// AllowRootPassword lets root have a usable password
	// (root_login_locked still requires sshd to refuse passwords).
	AllowRootPassword bool
	// VerifyConfigFiles makes package_integrity report changed
	// configuration files too.
	VerifyConfigFiles bool
}

// Limits and defaults of Settings.
const (
	DefaultParallel       = 4
	MaxParallel           = 16
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBootSeconds = 300
)

// DefaultSettings returns the settings a spec without a settings block has.
func DefaultSettings() Settings {
	return Settings{
		Parallel:       DefaultParallel,
		Timeout:        DefaultTimeout,
		MaxBootSeconds: DefaultMaxBootSeconds,
		BuiltinChecks:  true,
	}
}

var settingsAttrs = []attrDef{
	{name: "parallel", kind: kindInt},
	{name: "timeout", kind: kindDuration},
	{name: "max_boot_seconds", kind: kindInt},
	{name: "builtin_checks", kind: kindBool},
	{name: "disable", kind: kindStringList},
	{name: "allowed_authorized_keys", kind: kindStringList},
	{name: "allowed_passwordless_sudo", kind: kindStringList},
	{name: "allow_root_password", kind: kindBool},
	{name: "verify_config_files", kind: kindBool},
}

// decodeSettings applies a settings block's attributes to the defaults.
func decodeSettings(r *attrReader) Settings {
	s := DefaultSettings()
	s.Parallel = r.integer("parallel", s.Parallel)
	if s.Parallel < 1 || s.Parallel > MaxParallel {
		r.errorf("parallel", "expected 1 to %d, got %d", MaxParallel, s.Parallel)
	}
	if r.has("timeout") {
		s.Timeout = r.duration("timeout")
	}
	s.MaxBootSeconds = r.integer("max_boot_seconds", s.MaxBootSeconds)
	if s.MaxBootSeconds < 1 {
		r.errorf("max_boot_seconds", "expected a positive number, got %d", s.MaxBootSeconds)
	}
	s.BuiltinChecks = r.boolean("builtin_checks", s.BuiltinChecks)
	s.Disable = r.list("disable")
	for _, name := range s.Disable {
		if !isBuiltinName(name) {
			r.errorf("disable", "unknown built-in check %q; valid: %s", name, strings.Join(BuiltinNames(), ", "))
		}
	}
	s.AllowedAuthorizedKeys = r.list("allowed_authorized_keys")
	for i, k := range s.AllowedAuthorizedKeys {
		if err := checkPublicKey(k); err != nil {
			r.errorf("allowed_authorized_keys", "entry %d is not a public key in authorized_keys format (%v): %q", i+1, err, abbreviate(k))
		}
	}
	s.AllowedPasswordlessSudo = r.list("allowed_passwordless_sudo")
	s.AllowRootPassword = r.boolean("allow_root_password", false)
	s.VerifyConfigFiles = r.boolean("verify_config_files", false)
	return s
}

// checkPublicKey reports a string that is not one authorized_keys line.
func checkPublicKey(k string) error {
	_, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(k))
	if err == nil && len(strings.TrimSpace(string(rest))) > 0 {
		err = fmt.Errorf("more than one line")
	}
	return err
}

// Validate reports settings a run cannot use, for callers that build
// Settings in code rather than from a spec.
func (s Settings) Validate() error {
	switch {
	case s.Parallel < 1 || s.Parallel > MaxParallel:
		return fmt.Errorf("settings: parallel must be 1 to %d, got %d", MaxParallel, s.Parallel)
	case s.Timeout <= 0:
		return fmt.Errorf("settings: timeout must be positive, got %s", s.Timeout)
	case s.MaxBootSeconds < 1:
		return fmt.Errorf("settings: max_boot_seconds must be positive, got %d", s.MaxBootSeconds)
	}
	for _, name := range s.Disable {
		if !isBuiltinName(name) {
			return fmt.Errorf("settings: unknown built-in check %q in disable", name)
		}
	}
	for i, k := range s.AllowedAuthorizedKeys {
		if err := checkPublicKey(k); err != nil {
			return fmt.Errorf("settings: allowed_authorized_keys entry %d is not a public key: %w", i+1, err)
		}
	}
	return nil
}

// builtinEnabled reports whether the named built-in check should run.
func (s Settings) builtinEnabled(name string) bool {
	if !s.BuiltinChecks {
		return false
	}
	for _, d := range s.Disable {
		if d == name {
			return false
		}
	}
	return true
}
