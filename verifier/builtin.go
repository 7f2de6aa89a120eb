package verifier

import (
	"time"
)

// builtinType is the check type built-in checks report under.
const builtinType = "builtin"

// builtin is a check the verifier runs unless settings switch it off.
type builtin struct {
	name        string
	description string
	make        func(m Meta, s Settings) Check
}

// lastBuiltins run after the others, and after a second boot: the image
// is plugged into the guest for them, which nothing else should see.
var lastBuiltins = map[string]bool{"no_baked_secrets": true}

// builtins run before the spec's checks, in this order.
var builtins = []builtin{
	{"system_running", "systemd reached the running state with no failed units", func(m Meta, s Settings) Check {
		m.Timeout = bootBudget(s)
		return &systemRunningCheck{Meta: m}
	}},
	{"cloud_init", "cloud-init finished without errors", func(m Meta, s Settings) Check {
		m.Timeout = bootBudget(s)
		return &cloudInitCheck{Meta: m}
	}},
	{"boot_time", "boot to SSH within max_boot_seconds", func(m Meta, s Settings) Check {
		return &bootTimeCheck{Meta: m, MaxSeconds: s.MaxBootSeconds}
	}},
	{"ssh_host_keys_fresh", "SSH host keys were generated on this boot", func(m Meta, _ Settings) Check { return &hostKeysFreshCheck{Meta: m} }},
	{"machine_id_fresh", "/etc/machine-id was generated on this boot", func(m Meta, _ Settings) Check { return &machineIDFreshCheck{Meta: m} }},
	{"temp_key_absent", "the build's temporary SSH key is not authorized", func(m Meta, _ Settings) Check { return &tempKeyAbsentCheck{Meta: m} }},
	{"no_shell_history", "no shell history is left in the image", func(m Meta, _ Settings) Check { return &noShellHistoryCheck{Meta: m} }},
	{"no_avc_denials", "no SELinux AVC denials since boot", func(m Meta, _ Settings) Check { return &noAVCDenialsCheck{Meta: m} }},
	{"authorized_keys_expected", "authorized_keys files hold only the keys expected", func(m Meta, s Settings) Check {
		return &authorizedKeysExpectedCheck{Meta: m, Allowed: s.AllowedAuthorizedKeys}
	}},
	{"sensitive_file_modes", "secrets and login configuration no more open than the distribution ships them", func(m Meta, _ Settings) Check {
		return &sensitiveFileModesCheck{Meta: m}
	}},
	{"root_login_locked", "root has no usable password and sshd refuses passwords", func(m Meta, s Settings) Check {
		return &rootLoginLockedCheck{Meta: m, AllowPassword: s.AllowRootPassword}
	}},
	{"package_integrity", "installed packages' files match the package database", func(m Meta, s Settings) Check {
		m.Timeout = max(integrityBudget, s.Timeout)
		return &packageIntegrityCheck{Meta: m, ConfigFiles: s.VerifyConfigFiles}
	}},
	{"no_installer_leftovers", "no kickstart copies, installer logs or served files in the image", func(m Meta, _ Settings) Check {
		return &noInstallerLeftoversCheck{Meta: m}
	}},
	{"network_not_pinned", "no network configuration bound to another machine's MAC", func(m Meta, _ Settings) Check {
		return &networkNotPinnedCheck{Meta: m}
	}},
	{"no_unexpected_sudoers", "sudoers parse and grant no unexpected passwordless sudo", func(m Meta, s Settings) Check {
		return &noUnexpectedSudoersCheck{Meta: m, Allowed: s.AllowedPasswordlessSudo}
	}},
	{"no_baked_secrets", "the image as shipped holds no SSH host keys, machine-id or private keys", func(m Meta, _ Settings) Check {
		return &noBakedSecretsCheck{Meta: m}
	}},
}

// bootBudget is how long the checks that wait for boot to settle may take:
// the boot-time limit, and never less than the ordinary per-check timeout.
func bootBudget(s Settings) time.Duration {
	d := time.Duration(s.MaxBootSeconds) * time.Second
	if d < s.Timeout {
		return s.Timeout
	}
	return d
}

// BuiltinNames lists the built-in checks in the order they run; these are
// the names settings.disable accepts.
func BuiltinNames() []string {
	names := make([]string, len(builtins))
	for i, b := range builtins {
		names[i] = b.name
	}
	return names
}

func isBuiltinName(name string) bool {
	for _, b := range builtins {
		if b.name == name {
			return true
		}
	}
	return false
}

// BuiltinChecks returns the built-in checks the settings leave switched
// on that run with the first boot's checks.
func BuiltinChecks(s Settings) []Check { return builtinChecks(s, false) }

// LastBuiltinChecks returns those that run last (no_baked_secrets), with
// the image plugged into the guest as Facts.ImageDevice.
func LastBuiltinChecks(s Settings) []Check { return builtinChecks(s, true) }

func builtinChecks(s Settings, last bool) []Check {
	var out []Check
	for _, b := range builtins {
		if lastBuiltins[b.name] == last && s.builtinEnabled(b.name) {
			out = append(out, b.make(Meta{Type: builtinType, Name: b.name, Description: b.description}, s))
		}
	}
	return out
}
