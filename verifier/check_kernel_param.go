package verifier

import (
	"context"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// KernelParamCheck verifies a sysctl value. Values are compared with runs
// of whitespace collapsed, since multi-value keys such as
// net.ipv4.ip_local_port_range print tab-separated.
type KernelParamCheck struct {
	Meta
	Value string
}

var kernelParamType = checkType{
	name: "kernel_param",
	attrs: []attrDef{
		{name: "value", kind: kindString, required: true},
	},
	validateName: validLabel("sysctl key"),
	build: func(m Meta, r *attrReader) Check {
		return &KernelParamCheck{Meta: m, Value: r.str("value")}
	},
}

// Evaluate reads the key with sysctl.
func (c *KernelParamCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, "sysctl -n "+shellquote.Quote(c.Name))
	if err != nil {
		return execError("sysctl", err)
	}
	if res.ExitStatus != 0 {
		return Failf("expected %s = %s, got error: %s", c.Name, c.Value, firstLine(res.Stderr))
	}
	got := normalizeSpace(res.Stdout)
	if got != normalizeSpace(c.Value) {
		return Failf("expected %s = %s, got %s", c.Name, normalizeSpace(c.Value), got)
	}
	return Pass()
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
