package verifier

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PortCheck verifies whether something listens on a port.
type PortCheck struct {
	Meta
	Port int
	// Protocol is "tcp" (default) or "udp".
	Protocol string
	// Listening is whether a socket must be bound (default true).
	Listening bool
	// Address, when set, restricts the match to sockets bound to it.
	// "*" as ss prints it counts as both 0.0.0.0 and ::.
	Address string
}

var portType = checkType{
	name: "port",
	attrs: []attrDef{
		{name: "port", kind: kindInt, required: true},
		{name: "protocol", kind: kindString},
		{name: "listening", kind: kindBool},
		{name: "address", kind: kindString},
	},
	validateName: freeName,
	build: func(m Meta, r *attrReader) Check {
		c := &PortCheck{
			Meta:      m,
			Port:      r.integer("port", 0),
			Protocol:  r.str("protocol"),
			Listening: r.boolean("listening", true),
			Address:   r.str("address"),
		}
		if c.Protocol == "" {
			c.Protocol = "tcp"
		}
		if r.has("port") && (c.Port < 1 || c.Port > 65535) {
			r.errorf("port", "expected a port between 1 and 65535, got %d", c.Port)
		}
		r.oneOf("protocol", "tcp", "udp")
		if c.Address != "" {
			if _, err := netip.ParseAddr(strings.Trim(c.Address, "[]")); err != nil && c.Address != "*" {
				r.errorf("address", "expected an IP address, got %q", c.Address)
			}
		}
		return c
	},
}

// listener is one bound socket from ss.
type listener struct {
	addr string
	port int
}

func listenersCommand(protocol string) string {
	if protocol == "udp" {
		return "ss -Hlnu"
	}
	return "ss -Hlnt"
}

// parseListeners reads `ss -Hln{t,u}` output. A header line, printed by ss
// versions without -H support being asked anyway, is skipped.
func parseListeners(stdout string) []listener {
	var out []listener
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] == "State" || f[0] == "Netid" {
			continue
		}
		local := f[3]
		i := strings.LastIndex(local, ":")
		if i < 0 {
			continue
		}
		port, err := strconv.Atoi(local[i+1:])
		if err != nil {
			continue
		}
		out = append(out, listener{addr: normalizeAddr(local[:i]), port: port})
	}
	return out
}

// normalizeAddr strips brackets and the interface zone ss appends
// ("127.0.0.53%lo", "[fe80::1%eth0]") and canonicalises IPv6 spelling.
func normalizeAddr(a string) string {
	a = strings.Trim(a, "[]")
	if i := strings.Index(a, "%"); i >= 0 {
		a = a[:i]
	}
	if ip, err := netip.ParseAddr(a); err == nil {
		return ip.String()
	}
	return a
}

func addrMatches(want, bound string) bool {
	want = normalizeAddr(want)
	if bound == "*" {
		return want == "*" || want == "0.0.0.0" || want == "::"
	}
	return want == bound
}

// Evaluate lists listening sockets and looks for the port.
func (c *PortCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, listenersCommand(c.Protocol))
	if err != nil {
		return execError("ss", err)
	}
	if res.ExitStatus != 0 {
		return Errorf("ss exited %d: %s", res.ExitStatus, firstLine(res.Stderr))
	}
	return c.judge(parseListeners(res.Stdout))
}

func (c *PortCheck) judge(ls []listener) Verdict {
	var bound []string
	for _, l := range ls {
		if l.port == c.Port && (c.Address == "" || addrMatches(c.Address, l.addr)) {
			bound = append(bound, l.addr)
		}
	}
	what := fmt.Sprintf("%s port %d", c.Protocol, c.Port)
	if c.Address != "" {
		what += " on " + c.Address
	}
	switch {
	case c.Listening && len(bound) == 0:
		return Failf("expected %s listening, got not listening", what)
	case !c.Listening && len(bound) > 0:
		return Failf("expected %s not listening, got listening on %s", what, strings.Join(bound, ", "))
	}
	return Pass()
}
