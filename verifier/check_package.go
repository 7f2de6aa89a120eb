package verifier

import (
	"context"
	"fmt"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// PackageCheck verifies that a package is (or is not) installed, optionally
// at a version satisfying a constraint.
type PackageCheck struct {
	Meta
	// Installed is whether the package must be installed (default true).
	Installed bool
	// Version, when set, must be satisfied by an installed version. Any one
	// installed version satisfying it is enough, since packages such as the
	// kernel keep several versions installed.
	Version *VersionConstraint
}

var packageType = checkType{
	name: "package",
	attrs: []attrDef{
		{name: "installed", kind: kindBool},
		{name: "version", kind: kindString},
	},
	validateName: validLabel("package name"),
	build: func(m Meta, r *attrReader) Check {
		c := &PackageCheck{Meta: m, Installed: r.boolean("installed", true)}
		if r.has("version") {
			vc, err := ParseVersionConstraint(r.str("version"))
			if err != nil {
				r.errorf("version", "%v", err)
			}
			c.Version = &vc
			if !c.Installed {
				r.errorf("version", "cannot be combined with installed = false")
			}
		}
		return c
	},
}

// packageQueryCommand lists the installed versions of name, one per line, in
// epoch:version-release form.
func packageQueryCommand(pm PackageManager, name string) string {
	if pm == Dpkg {
		return "dpkg-query -W -f='${db:Status-Abbrev}|${Version}\\n' " + shellquote.Quote(name)
	}
	return "rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\\n' " + shellquote.Quote(name)
}

// parseInstalledVersions interprets packageQueryCommand's result. A package
// that is unknown or only has leftover configuration yields no versions.
func parseInstalledVersions(pm PackageManager, res ExecResult) ([]string, error) {
	if res.ExitStatus == 127 {
		return nil, fmt.Errorf("%s query tool not found: %s", pm, firstLine(res.Stderr))
	}
	var versions []string
	for _, line := range strings.Split(res.Stdout, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if pm == Dpkg {
			status, ver, ok := strings.Cut(line, "|")
			// The second letter is the current state: "i" is installed,
			// while "rc" (removed, config left) and friends are not.
			if ok && len(status) >= 2 && status[1] == 'i' {
				versions = append(versions, ver)
			}
			continue
		}
		if res.ExitStatus != 0 {
			// "package foo is not installed" goes to stdout with status 1.
			continue
		}
		versions = append(versions, strings.TrimPrefix(line, "(none):"))
	}
	return versions, nil
}

// Evaluate queries the guest's package database.
func (c *PackageCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	pm, err := g.PackageManager(ctx)
	if err != nil {
		return Errorf("%v", err)
	}
	res, err := g.Run(ctx, packageQueryCommand(pm, c.Name))
	if err != nil {
		return execError("query package", err)
	}
	versions, err := parseInstalledVersions(pm, res)
	if err != nil {
		return Errorf("%v", err)
	}
	return c.judge(pm, versions)
}

func (c *PackageCheck) judge(pm PackageManager, versions []string) Verdict {
	switch {
	case !c.Installed && len(versions) > 0:
		return Failf("expected not installed, got installed %s", strings.Join(versions, ", "))
	case !c.Installed:
		return Pass()
	case len(versions) == 0:
		return Failf("expected installed, got not installed")
	case c.Version == nil:
		return Pass()
	}
	for _, v := range versions {
		if c.Version.Allows(pm, v) {
			return Pass()
		}
	}
	return Failf("expected version %s, got %s", c.Version, strings.Join(versions, ", "))
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return line
}
