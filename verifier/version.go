package verifier

import (
	"fmt"
	"strings"
)

// Version is a package version split into epoch, version and release, as
// rpm (epoch:version-release) and dpkg (epoch:upstream-revision) write them.
type Version struct {
	// Epoch is "" when not written.
	Epoch   string
	Version string
	// Release is "" when not written.
	Release string
}

// ParseVersion splits "[epoch:]version[-release]". The release is what
// follows the last "-", which is where both rpm and dpkg put it.
func ParseVersion(s string) Version {
	var v Version
	if e, rest, ok := strings.Cut(s, ":"); ok && e != "" && strings.Trim(e, "0123456789") == "" {
		v.Epoch, s = e, rest
	}
	if i := strings.LastIndex(s, "-"); i >= 0 {
		v.Version, v.Release = s[:i], s[i+1:]
	} else {
		v.Version = s
	}
	return v
}

// String writes the version back in epoch:version-release form.
func (v Version) String() string {
	s := v.Version
	if v.Epoch != "" {
		s = v.Epoch + ":" + s
	}
	if v.Release != "" {
		s += "-" + v.Release
	}
	return s
}

// VersionConstraint is a list of comparisons that must all hold, written
// like ">= 8.7, < 9" or "= 1.2.3-4.el9". A bare version means "=".
type VersionConstraint struct {
	Terms []VersionTerm
}

// VersionTerm is one comparison of a VersionConstraint.
type VersionTerm struct {
	Op      string // one of =, !=, <, <=, >, >=
	Version Version
}

// ParseVersionConstraint parses a comma-separated list of comparisons.
func ParseVersionConstraint(s string) (VersionConstraint, error) {
	var vc VersionConstraint
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		// "~" counts as operator text so that "~> 1.2" from other tools
		// is reported as an unknown operator rather than a bad version.
		op := part[:len(part)-len(strings.TrimLeft(part, "<>=!~"))]
		ver := strings.TrimSpace(part[len(op):])
		switch op {
		case "":
			op = "="
		case "==":
			op = "="
		case "=", "!=", "<", "<=", ">", ">=":
		default:
			return VersionConstraint{}, fmt.Errorf("unknown operator %q in %q; use =, !=, <, <=, > or >=", op, s)
		}
		if ver == "" || strings.ContainsAny(ver, " \t") {
			return VersionConstraint{}, fmt.Errorf("expected a version after %q in %q", op, s)
		}
		v, err := parseConstraintVersion(ver, s)
		if err != nil {
			return VersionConstraint{}, err
		}
		vc.Terms = append(vc.Terms, VersionTerm{Op: op, Version: v})
	}
	return vc, nil
}

// parseConstraintVersion is ParseVersion for a version a spec author wrote,
// refusing the empty epoch, version or release that a stray ":" or "-"
// leaves: rpm and dpkg read those differently (or not at all), so no answer
// would be the package manager's.
func parseConstraintVersion(s, constraint string) (Version, error) {
	if strings.HasPrefix(s, ":") {
		return Version{}, fmt.Errorf("empty epoch in %q of %q: write it before the colon, as in \"1:2.0\", or leave the colon out", s, constraint)
	}
	if strings.HasSuffix(s, "-") {
		return Version{}, fmt.Errorf("empty release in %q of %q: write it after the hyphen, as in \"2.0-1\", or leave the hyphen out", s, constraint)
	}
	v := ParseVersion(s)
	if v.Version == "" {
		return Version{}, fmt.Errorf("empty version in %q of %q: write it between the epoch's colon and the release's hyphen, as in \"1:2.0-1\"", s, constraint)
	}
	return v, nil
}

// Allows reports whether installed satisfies every term, with versions
// ordered as pm orders them (see CompareVersions).
func (vc VersionConstraint) Allows(pm PackageManager, installed string) bool {
	iv := ParseVersion(installed)
	for _, t := range vc.Terms {
		c := compareParsed(pm, iv, t.Version)
		ok := false
		switch t.Op {
		case "=":
			ok = c == 0
		case "!=":
			ok = c != 0
		case "<":
			ok = c < 0
		case "<=":
			ok = c <= 0
		case ">":
			ok = c > 0
		case ">=":
			ok = c >= 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// String writes the constraint in canonical form.
func (vc VersionConstraint) String() string {
	parts := make([]string, len(vc.Terms))
	for i, t := range vc.Terms {
		parts[i] = t.Op + " " + t.Version.String()
	}
	return strings.Join(parts, ", ")
}
