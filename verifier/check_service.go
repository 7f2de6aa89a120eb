package verifier

import (
	"context"
	"path"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// ServiceCheck verifies a systemd unit's enablement and activity. With
// neither attribute set it checks both, which is what
// `check "service" "sshd" {}` reads as.
type ServiceCheck struct {
	Meta
	// Enabled, when set, is whether the unit must be enabled at boot.
	Enabled *bool
	// Running, when set, is whether the unit must be active now.
	Running *bool
}

var serviceType = checkType{
	name: "service",
	attrs: []attrDef{
		{name: "enabled", kind: kindBool},
		{name: "running", kind: kindBool},
	},
	validateName: func(name string) string {
		if p := validLabel("unit name")(name); p != "" {
			return p
		}
		if strings.Contains(name, "/") {
			return "unit name must not contain \"/\""
		}
		return ""
	},
	build: func(m Meta, r *attrReader) Check {
		c := &ServiceCheck{Meta: m, Enabled: r.optBool("enabled"), Running: r.optBool("running")}
		if c.Enabled == nil && c.Running == nil {
			yes := true
			c.Enabled, c.Running = &yes, &yes
		}
		return c
	},
}

// unitSuffixes are the systemd unit types; a name without one is a service.
var unitSuffixes = []string{".service", ".socket", ".target", ".timer", ".mount", ".automount",
	".path", ".slice", ".scope", ".device", ".swap"}

// unitName returns name with ".service" appended unless it names a unit type.
func unitName(name string) string {
	ext := path.Ext(name)
	for _, s := range unitSuffixes {
		if ext == s {
			return name
		}
	}
	return name + ".service"
}

// enabledStates are the is-enabled answers for a unit that starts at boot
// (or is pulled in by one that does, which "static" and "indirect" mean).
var enabledStates = map[string]bool{
	"enabled": true, "enabled-runtime": true, "static": true, "indirect": true,
	"generated": true, "alias": true, "transient": true,
}

// Evaluate asks systemctl about the unit.
func (c *ServiceCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	unit := shellquote.Quote(unitName(c.Name))
	if c.Enabled != nil {
		res, err := g.Run(ctx, "systemctl is-enabled "+unit)
		if err != nil {
			return execError("systemctl is-enabled", err)
		}
		if v := judgeUnitState(*c.Enabled, unitState(res), enabledStates, "enabled", "disabled"); v.Status != StatusPass {
			return v
		}
	}
	if c.Running != nil {
		res, err := g.Run(ctx, "systemctl is-active "+unit)
		if err != nil {
			return execError("systemctl is-active", err)
		}
		active := map[string]bool{"active": true}
		if v := judgeUnitState(*c.Running, unitState(res), active, "active", "not active"); v.Status != StatusPass {
			return v
		}
	}
	return Pass()
}

// unitState is systemctl's one-word answer, or its complaint when the unit
// does not exist (older systemd prints nothing on stdout then).
func unitState(res ExecResult) string {
	if s := strings.TrimSpace(res.Stdout); s != "" {
		return firstLine(s)
	}
	if s := firstLine(res.Stderr); s != "" {
		return s
	}
	return "no answer"
}

func judgeUnitState(want bool, state string, good map[string]bool, goodWord, badWord string) Verdict {
	switch {
	case want && !good[state]:
		return Failf("expected %s, got %s", goodWord, state)
	case !want && good[state]:
		return Failf("expected %s, got %s", badWord, state)
	}
	return Pass()
}
