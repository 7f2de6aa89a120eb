package verifier

import (
	"context"
	"regexp"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// FirewallCheck verifies that firewalld allows (or does not allow) a
// service or port. Only what firewalld reports for the service or port
// itself counts: a port opened through a service definition is found by
// querying the service.
type FirewallCheck struct {
	Meta
	// Service or Port (exactly one is set) is what is queried; Port is
	// written "80/tcp" or "8000-8100/udp".
	Service, Port string
	// Allowed is whether it must be allowed (default true).
	Allowed bool
	// Zone, when set, is queried instead of the default zone.
	Zone string
}

var (
	firewallPortPattern = regexp.MustCompile(`^[0-9]+(-[0-9]+)?/(tcp|udp|sctp|dccp)$`)
	firewallNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.+][A-Za-z0-9_.+-]*$`)
)

var firewallType = checkType{
	name: "firewall",
	attrs: []attrDef{
		{name: "service", kind: kindString},
		{name: "port", kind: kindString},
		{name: "allowed", kind: kindBool},
		{name: "zone", kind: kindString},
	},
	validateName: freeName,
	build: func(m Meta, r *attrReader) Check {
		c := &FirewallCheck{Meta: m, Service: r.str("service"), Port: r.str("port"), Allowed: r.boolean("allowed", true), Zone: r.str("zone")}
		switch {
		case r.has("service") == r.has("port"):
			r.report(nil, "exactly one of \"service\" or \"port\" is required")
		case r.has("port") && !firewallPortPattern.MatchString(c.Port):
			r.errorf("port", "expected a port such as \"80/tcp\" or \"8000-8100/udp\", got %q", c.Port)
		case r.has("service") && !firewallNamePattern.MatchString(c.Service):
			r.errorf("service", "expected a firewalld service name, got %q", c.Service)
		}
		if r.has("zone") && !firewallNamePattern.MatchString(c.Zone) {
			r.errorf("zone", "expected a firewalld zone name, got %q", c.Zone)
		}
		return c
	},
}

const firewallStateCommand = "firewall-cmd --state"

// queryCommand asks firewalld whether the service or port is allowed.
func (c *FirewallCheck) queryCommand() string {
	cmd := "firewall-cmd"
	if c.Zone != "" {
		cmd += " --zone=" + shellquote.Quote(c.Zone)
	}
	if c.Service != "" {
		return cmd + " --query-service=" + shellquote.Quote(c.Service)
	}
	return cmd + " --query-port=" + shellquote.Quote(c.Port)
}

func (c *FirewallCheck) subject() string {
	s := "port " + c.Port
	if c.Service != "" {
		s = "service " + c.Service
	}
	if c.Zone != "" {
		s += " in zone " + c.Zone
	}
	return s
}

// Evaluate checks that firewalld runs, then queries it.
func (c *FirewallCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, firewallStateCommand)
	if err != nil {
		return execError("firewall-cmd --state", err)
	}
	if v := judgeFirewallState(res); v.Status != StatusPass {
		return v
	}
	res, err = g.Run(ctx, c.queryCommand())
	if err != nil {
		return execError("firewall-cmd query", err)
	}
	return c.judge(res)
}

func judgeFirewallState(res ExecResult) Verdict {
	switch {
	case res.ExitStatus == 127:
		return Failf("expected firewalld running, got firewall-cmd not installed")
	case res.ExitStatus != 0 || strings.TrimSpace(res.Stdout) != "running":
		state := strings.TrimSpace(res.Stdout + " " + res.Stderr)
		if state == "" {
			state = "no answer"
		}
		return Failf("expected firewalld running, got firewalld %s", firstLine(state))
	}
	return Pass()
}

func (c *FirewallCheck) judge(res ExecResult) Verdict {
	answer := strings.TrimSpace(res.Stdout)
	var allowed bool
	switch {
	case res.ExitStatus == 0 && answer == "yes":
		allowed = true
	case res.ExitStatus == 1 && answer == "no":
		allowed = false
	default:
		return Errorf("firewall-cmd exited %d: %s", res.ExitStatus, firstLine(res.Stderr+"\n"+answer))
	}
	switch {
	case c.Allowed && !allowed:
		return Failf("expected %s allowed, got not allowed", c.subject())
	case !c.Allowed && allowed:
		return Failf("expected %s not allowed, got allowed", c.subject())
	}
	return Pass()
}
