package verifier

import (
	"context"
	"strings"
)

// SELinuxCheck verifies the SELinux mode.
type SELinuxCheck struct {
	Meta
	// Mode is "enforcing", "permissive" or "disabled".
	Mode string
}

var selinuxType = checkType{
	name: "selinux",
	attrs: []attrDef{
		{name: "mode", kind: kindString, required: true},
	},
	validateName: freeName,
	build: func(m Meta, r *attrReader) Check {
		r.oneOf("mode", "enforcing", "permissive", "disabled")
		return &SELinuxCheck{Meta: m, Mode: r.str("mode")}
	},
}

// getenforceCommand prints the SELinux mode; a guest without getenforce has
// no SELinux userland and is treated as disabled.
const getenforceCommand = "if command -v getenforce >/dev/null 2>&1; then getenforce; else echo Disabled; fi"

// selinuxMode reads the guest's mode in lower case.
func selinuxMode(ctx context.Context, g *Guest) (string, error) {
	res, err := g.Run(ctx, getenforceCommand)
	if err != nil {
		return "", err
	}
	return strings.ToLower(strings.TrimSpace(res.Stdout)), nil
}

// Evaluate compares the guest's mode with the spec.
func (c *SELinuxCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	mode, err := selinuxMode(ctx, g)
	if err != nil {
		return execError("getenforce", err)
	}
	if mode != c.Mode {
		return Failf("expected SELinux %s, got %s", c.Mode, mode)
	}
	return Pass()
}
