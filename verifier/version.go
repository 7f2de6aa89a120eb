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

// compareTo orders installed against the wanted version w. Parts w leaves
// out are not compared, so "8.7" matches any epoch and release of 8.7; that
// is what a spec author writing ">= 8.7" means.
func (w Version) compareTo(installed Version) int {
	if w.Epoch != "" {
		if c := compareSegments(epochOrZero(installed.Epoch), w.Epoch); c != 0 {
			return c
		}
	}
	if c := CompareVersions(installed.Version, w.Version); c != 0 {
		return c
	}
	if w.Release != "" {
		return CompareVersions(installed.Release, w.Release)
	}
	return 0
}

func epochOrZero(e string) string {
	if e == "" {
		return "0"
	}
	return e
}

// CompareVersions compares two version strings (without epoch or release)
// the way rpmvercmp does and returns -1, 0 or 1. Alphanumeric runs are
// compared in turn, numbers numerically and letters lexically; a number is
// newer than letters; "~" sorts before anything, even the end of the string
// (1.0~rc1 < 1.0), and "^" sorts after the end but before anything else
// (1.0 < 1.0^git1 < 1.0.1). Other punctuation only separates runs. Debian
// versions order the same way in all but exotic cases.
func CompareVersions(a, b string) int {
	if a == b {
		return 0
	}
	for a != "" || b != "" {
		a = strings.TrimLeftFunc(a, isSeparator)
		b = strings.TrimLeftFunc(b, isSeparator)

		if strings.HasPrefix(a, "~") || strings.HasPrefix(b, "~") {
			if !strings.HasPrefix(a, "~") {
				return 1
			}
			if !strings.HasPrefix(b, "~") {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if strings.HasPrefix(a, "^") || strings.HasPrefix(b, "^") {
			switch {
			case a == "":
				return -1
			case b == "":
				return 1
			case !strings.HasPrefix(a, "^"):
				return 1
			case !strings.HasPrefix(b, "^"):
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		}
		if a == "" || b == "" {
			break
		}

		numeric := isDigit(rune(a[0]))
		segA, restA := splitRun(a, numeric)
		segB, restB := splitRun(b, numeric)
		if segB == "" {
			// Different kinds of run: numbers are newer than letters.
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = compareSegments(segA, segB)
		} else {
			c = strings.Compare(segA, segB)
		}
		if c != 0 {
			return c
		}
		a, b = restA, restB
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return 1
	}
}

// compareSegments compares two digit runs numerically without overflowing.
func compareSegments(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func splitRun(s string, numeric bool) (run, rest string) {
	i := 0
	for i < len(s) {
		r := rune(s[i])
		if numeric && !isDigit(r) || !numeric && !isLetter(r) {
			break
		}
		i++
	}
	return s[:i], s[i:]
}

func isDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isSeparator(r rune) bool {
	return !isDigit(r) && !isLetter(r) && r != '~' && r != '^'
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
		vc.Terms = append(vc.Terms, VersionTerm{Op: op, Version: ParseVersion(ver)})
	}
	return vc, nil
}

// Allows reports whether installed satisfies every term.
func (vc VersionConstraint) Allows(installed string) bool {
	iv := ParseVersion(installed)
	for _, t := range vc.Terms {
		c := t.Version.compareTo(iv)
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
