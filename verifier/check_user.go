package verifier

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// UserCheck verifies a user account from the guest's name service.
type UserCheck struct {
	Meta
	// Exists is whether the account must exist (default true).
	Exists bool
	// UID, when set, is the required user id.
	UID *int
	// Shell and Home, when set, are the required login shell and home.
	Shell, Home string
	// Groups lists groups the user must be a member of (primary or
	// supplementary).
	Groups []string
}

var userType = checkType{
	name: "user",
	attrs: []attrDef{
		{name: "exists", kind: kindBool},
		{name: "uid", kind: kindInt},
		{name: "shell", kind: kindString},
		{name: "home", kind: kindString},
		{name: "groups", kind: kindStringList},
	},
	validateName: accountName("user name"),
	build: func(m Meta, r *attrReader) Check {
		c := &UserCheck{
			Meta:   m,
			Exists: r.boolean("exists", true),
			UID:    r.optInt("uid"),
			Shell:  r.str("shell"),
			Home:   r.str("home"),
			Groups: r.list("groups"),
		}
		r.requireExistsFor("uid", "shell", "home", "groups")
		return c
	},
}

// accountName validates user and group names, which end up in a
// colon-separated database and on command lines.
func accountName(what string) func(string) string {
	return func(name string) string {
		if p := validLabel(what)(name); p != "" {
			return p
		}
		if strings.ContainsAny(name, ":/") {
			return what + " must not contain \":\" or \"/\""
		}
		return ""
	}
}

// getentFields returns the colon-separated fields of a getent answer, or
// nil when the entry does not exist (getent exits 2).
func getentFields(res ExecResult) ([]string, error) {
	if res.ExitStatus == 2 {
		return nil, nil
	}
	if res.ExitStatus != 0 {
		return nil, fmt.Errorf("getent exited %d: %s", res.ExitStatus, firstLine(res.Stderr))
	}
	return strings.Split(firstLine(res.Stdout), ":"), nil
}

// Evaluate looks the user up and, if groups are required, lists theirs.
func (c *UserCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, "getent passwd "+shellquote.Quote(c.Name))
	if err != nil {
		return execError("getent passwd", err)
	}
	f, err := getentFields(res)
	if err != nil {
		return Errorf("%v", err)
	}
	if f != nil && len(f) != 7 {
		return Errorf("getent passwd: unexpected entry %q", firstLine(res.Stdout))
	}
	if v := c.judgeEntry(f); v.Status != StatusPass || f == nil || len(c.Groups) == 0 {
		return v
	}
	res, err = g.Run(ctx, "id -Gn "+shellquote.Quote(c.Name))
	if err != nil {
		return execError("id -Gn", err)
	}
	if res.ExitStatus != 0 {
		return Errorf("id -Gn exited %d: %s", res.ExitStatus, firstLine(res.Stderr))
	}
	if missing := missingFrom(c.Groups, strings.Fields(res.Stdout)); len(missing) > 0 {
		return Failf("expected member of %s, got groups %s", strings.Join(missing, ", "), strings.Join(strings.Fields(res.Stdout), ", "))
	}
	return Pass()
}

// judgeEntry compares a passwd entry (nil when absent) with the spec.
func (c *UserCheck) judgeEntry(f []string) Verdict {
	switch {
	case !c.Exists && f != nil:
		return Failf("expected no user %s, got uid %s", c.Name, f[2])
	case !c.Exists:
		return Pass()
	case f == nil:
		return Failf("expected user %s to exist, got no such user", c.Name)
	case c.UID != nil && strconv.Itoa(*c.UID) != f[2]:
		return Failf("expected uid %d, got %s", *c.UID, f[2])
	case c.Home != "" && c.Home != f[5]:
		return Failf("expected home %s, got %s", c.Home, f[5])
	case c.Shell != "" && c.Shell != f[6]:
		return Failf("expected shell %s, got %s", c.Shell, f[6])
	}
	return Pass()
}

// missingFrom returns the wanted items not in have, in wanted order.
func missingFrom(wanted, have []string) []string {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	var missing []string
	for _, w := range wanted {
		if !set[w] {
			missing = append(missing, w)
		}
	}
	return missing
}
