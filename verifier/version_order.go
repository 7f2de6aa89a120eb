package verifier

import "strings"

// CompareVersions orders two versions written "[epoch:]version[-release]"
// the way pm does when it checks a versioned dependency, and returns -1, 0
// or 1. The two orders differ, so a version constraint is only meaningful
// for one package manager; the golden test in version_order_test.go holds
// both to the real tools.
func CompareVersions(pm PackageManager, a, b string) int {
	return compareParsed(pm, ParseVersion(a), ParseVersion(b))
}

func compareParsed(pm PackageManager, a, b Version) int {
	if pm == Dpkg {
		return compareDpkg(a, b)
	}
	return compareRPM(a, b)
}

// compareRPM is rpm's dependency comparison (rpmverOverlap, not the
// package sort rpmverCmp): a missing epoch is 0, and the release is compared
// only when both sides have one, so "1.0" stands for every release of 1.0.
// That is what makes "<= 3.0" hold for 3.0-7 and "< 3.0" not.
func compareRPM(a, b Version) int {
	if c := rpmvercmp(zeroIfEmpty(a.Epoch), zeroIfEmpty(b.Epoch)); c != 0 {
		return c
	}
	if c := rpmvercmp(a.Version, b.Version); c != 0 {
		return c
	}
	if a.Release == "" || b.Release == "" {
		return 0
	}
	return rpmvercmp(a.Release, b.Release)
}

// compareDpkg is dpkg's comparison: epochs numerically (missing is 0), then
// upstream version and revision by verrevcmp. A missing revision is not
// skipped: it orders like "0", so "= 1.0" does not hold for 1.0-1.
func compareDpkg(a, b Version) int {
	if c := compareNumbers(a.Epoch, b.Epoch); c != 0 {
		return c
	}
	if c := verrevcmp(a.Version, b.Version); c != 0 {
		return c
	}
	return verrevcmp(a.Release, b.Release)
}

func zeroIfEmpty(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// rpmvercmp compares one part (epoch, version or release) as rpm does. The
// part is read as runs of digits or of ASCII letters; any other character
// except "~" and "^" only ends a run. Runs are compared in turn: digits
// numerically, letters bytewise, and digits are newer than letters. "~"
// sorts before anything, even the end (1.0~rc1 < 1.0); "^" sorts after the
// end but before any further run (1.0 < 1.0^git1 < 1.0.1).
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	for a != "" || b != "" {
		a, b = trimRPMSeparators(a), trimRPMSeparators(b)
		a1, b1 := firstByte(a), firstByte(b)
		switch {
		case a1 == '~' || b1 == '~':
			if a1 != '~' {
				return 1
			}
			if b1 != '~' {
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		case a1 == '^' || b1 == '^':
			switch {
			case a == "":
				return -1
			case b == "":
				return 1
			case a1 != '^':
				return 1
			case b1 != '^':
				return -1
			}
			a, b = a[1:], b[1:]
			continue
		case a == "" || b == "":
			return boolSign(a != "", b != "")
		}
		numeric := isDigit(a1)
		runA, runB := leadingRun(a, numeric), leadingRun(b, numeric)
		if runB == "" {
			// The runs are of different kinds.
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = compareNumbers(runA, runB)
		} else {
			c = strings.Compare(runA, runB)
		}
		if c != 0 {
			return c
		}
		a, b = a[len(runA):], b[len(runB):]
	}
	return 0
}

// verrevcmp compares an upstream version or a revision as dpkg does: a run
// of non-digits, then a run of digits, in turn. Non-digits compare
// character by character with "~" before the end, the end before letters,
// and letters before every other character; digit runs compare numerically,
// an empty run counting as 0 (so a missing revision equals "0").
func verrevcmp(a, b string) int {
	for a != "" || b != "" {
		for a != "" && !isDigit(a[0]) || b != "" && !isDigit(b[0]) {
			if c := dpkgWeight(firstByte(a)) - dpkgWeight(firstByte(b)); c != 0 {
				return sign(c)
			}
			a, b = dropByte(a), dropByte(b)
		}
		runA, runB := leadingRun(a, true), leadingRun(b, true)
		if c := compareNumbers(runA, runB); c != 0 {
			return c
		}
		a, b = a[len(runA):], b[len(runB):]
	}
	return 0
}

// dpkgWeight is a character's place in dpkg's order of non-digit parts;
// 0 stands for the end of the part, and for a digit, which ends it.
func dpkgWeight(c byte) int {
	switch {
	case c == 0 || isDigit(c):
		return 0
	case c == '~':
		return -1
	case isLetter(c):
		return int(c)
	default:
		return int(c) + 256
	}
}

// compareNumbers compares two runs of digits by value, however long; an
// empty run is 0.
func compareNumbers(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return boolSign(len(a) > len(b), len(a) < len(b))
	}
	return strings.Compare(a, b)
}

// leadingRun returns the digits (numeric) or ASCII letters s starts with.
func leadingRun(s string, numeric bool) string {
	i := 0
	for i < len(s) && (numeric && isDigit(s[i]) || !numeric && isLetter(s[i])) {
		i++
	}
	return s[:i]
}

func firstByte(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// trimRPMSeparators drops the characters rpmvercmp skips: all but ASCII
// letters and digits, "~" and "^".
func trimRPMSeparators(s string) string {
	i := 0
	for i < len(s) && !isDigit(s[i]) && !isLetter(s[i]) && s[i] != '~' && s[i] != '^' {
		i++
	}
	return s[i:]
}

// dropByte is s[1:], or "" for "": verrevcmp steps past the end of a part
// when the other part holds a NUL byte, which dpkg would take as the end.
func dropByte(s string) string {
	if s == "" {
		return s
	}
	return s[1:]
}

func sign(n int) int { return boolSign(n > 0, n < 0) }

func boolSign(greater, less bool) int {
	switch {
	case greater:
		return 1
	case less:
		return -1
	}
	return 0
}
