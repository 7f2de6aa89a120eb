package verifier

import (
	"context"
	"strconv"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// GroupCheck verifies a group from the guest's name service.
type GroupCheck struct {
	Meta
	// Exists is whether the group must exist (default true).
	Exists bool
	// GID, when set, is the required group id.
	GID *int
	// Members lists users that must be in the group's member list. Users
	// whose primary group this is are not listed there by the system, so
	// use a user check's groups for them.
	Members []string
}

var groupType = checkType{
	name: "group",
	attrs: []attrDef{
		{name: "exists", kind: kindBool},
		{name: "gid", kind: kindInt},
		{name: "members", kind: kindStringList},
	},
	validateName: accountName("group name"),
	build: func(m Meta, r *attrReader) Check {
		c := &GroupCheck{Meta: m, Exists: r.boolean("exists", true), GID: r.optInt("gid"), Members: r.list("members")}
		r.requireExistsFor("gid", "members")
		return c
	},
}

// Evaluate looks the group up.
func (c *GroupCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, "getent group "+shellquote.Quote(c.Name))
	if err != nil {
		return execError("getent group", err)
	}
	f, err := getentFields(res)
	if err != nil {
		return Errorf("%v", err)
	}
	if f != nil && len(f) != 4 {
		return Errorf("getent group: unexpected entry %q", firstLine(res.Stdout))
	}
	return c.judge(f)
}

func (c *GroupCheck) judge(f []string) Verdict {
	switch {
	case !c.Exists && f != nil:
		return Failf("expected no group %s, got gid %s", c.Name, f[2])
	case !c.Exists:
		return Pass()
	case f == nil:
		return Failf("expected group %s to exist, got no such group", c.Name)
	case c.GID != nil && strconv.Itoa(*c.GID) != f[2]:
		return Failf("expected gid %d, got %s", *c.GID, f[2])
	}
	members := strings.FieldsFunc(f[3], func(r rune) bool { return r == ',' })
	if missing := missingFrom(c.Members, members); len(missing) > 0 {
		got := strings.Join(members, ", ")
		if got == "" {
			got = "no members"
		}
		return Failf("expected members %s, got %s", strings.Join(missing, ", "), got)
	}
	return Pass()
}
