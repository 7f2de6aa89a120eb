package verifier_test

import (
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestCompareVersions(t *testing.T) {
	rpm, dpkg := verifier.RPM, verifier.Dpkg
	tests := []struct {
		name string
		pm   verifier.PackageManager
		a, b string
		want int
	}{
		{"rpm equal", rpm, "1.0", "1.0", 0},
		{"rpm numbers by value", rpm, "1.10", "1.9", 1},
		{"rpm leading zeros ignored", rpm, "1.05", "1.5", 0},
		{"rpm numbers of any length", rpm, "18446744073709551616", "18446744073709551617", -1},
		{"rpm more runs is newer", rpm, "1.0", "1.0.1", -1},
		{"rpm trailing separator ignored", rpm, "1.0.", "1.0", 0},
		{"rpm separators only separate", rpm, "1.0_1", "1+0.1", 0},
		{"rpm letters after a number are newer", rpm, "8.7p1", "8.7", 1},
		{"rpm numbers newer than letters", rpm, "1.0.a", "1.0.1", -1},
		{"rpm letters bytewise, upper case first", rpm, "1.0A", "1.0a", -1},
		{"rpm tilde before the end", rpm, "1.0~rc1", "1.0", -1},
		{"rpm tilde runs compared", rpm, "1.0~rc1", "1.0~rc2", -1},
		{"rpm double tilde before single", rpm, "1.0~~", "1.0~", -1},
		{"rpm caret after the end", rpm, "1.0^git1", "1.0", 1},
		{"rpm caret before a further run", rpm, "1.0^git1", "1.0.1", -1},
		{"rpm caret after tilde", rpm, "1.0^", "1.0~", 1},
		{"rpm plus suffix is newer", rpm, "2.36.1+dfsg", "2.36.1", 1},
		{"rpm empty is oldest", rpm, "", "1", -1},
		{"rpm epoch first", rpm, "1:1.0", "2.0", 1},
		{"rpm missing epoch is 0", rpm, "0:1.0", "1.0", 0},
		{"rpm epoch by value", rpm, "01:1.0", "1:1.0", 0},
		{"rpm releases compared", rpm, "1.0-2", "1.0-10", -1},
		{"rpm release skipped when one side has none", rpm, "1.0-7", "1.0", 0},
		{"rpm release skipped the other way", rpm, "1.0", "1.0-7", 0},

		{"dpkg equal", dpkg, "1.0", "1.0", 0},
		{"dpkg numbers by value", dpkg, "1.10", "1.9", 1},
		{"dpkg leading zeros ignored", dpkg, "1.05", "1.5", 0},
		{"dpkg numbers of any length", dpkg, "18446744073709551616", "18446744073709551617", -1},
		{"dpkg tilde before the end", dpkg, "1.0~rc1", "1.0", -1},
		{"dpkg double tilde before single", dpkg, "1.0~~", "1.0~", -1},
		{"dpkg end before letters", dpkg, "1.0", "1.0a", -1},
		{"dpkg letters before other characters", dpkg, "1.0a", "1.0+", -1},
		{"dpkg plus before dot", dpkg, "1.0+1", "1.0.1", -1},
		{"dpkg trailing dot counts", dpkg, "1.0.", "1.0", 1},
		{"dpkg letters after digits", dpkg, "1.a", "1.1", 1},
		{"dpkg upper case before lower", dpkg, "1.0A", "1.0a", -1},
		{"dpkg epoch first", dpkg, "1:1.0", "2.0", 1},
		{"dpkg missing epoch is 0", dpkg, "0:1.0", "1.0", 0},
		{"dpkg epoch by value", dpkg, "10:1.0", "9:1.0", 1},
		{"dpkg missing revision is 0", dpkg, "1.0", "1.0-0", 0},
		{"dpkg missing revision is compared", dpkg, "1.0", "1.0-1", -1},
		{"dpkg tilde revision before none", dpkg, "1.0-~", "1.0", -1},
		{"dpkg backport before the release", dpkg, "1.0-1~bpo11+1", "1.0-1", -1},
		{"dpkg hyphen in upstream", dpkg, "1.0-2-3", "1.0-2-4", -1},
		{"dpkg colon in upstream", dpkg, "1:2:3", "1:2.3", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verifier.CompareVersions(tt.pm, tt.a, tt.b); got != tt.want {
				t.Errorf("CompareVersions(%s, %q, %q) = %d, want %d", tt.pm, tt.a, tt.b, got, tt.want)
			}
			if got := verifier.CompareVersions(tt.pm, tt.b, tt.a); got != -tt.want {
				t.Errorf("CompareVersions(%s, %q, %q) = %d, want %d", tt.pm, tt.b, tt.a, got, -tt.want)
			}
		})
	}
}

// FuzzCompareVersions: any two strings compare without panicking, a
// version equals itself, and swapping the two flips the sign.
func FuzzCompareVersions(f *testing.F) {
	for _, seed := range [][2]string{
		{"1.0~rc1", "1.0^git1"}, {"1:8.7p1-38.el9", "8.7p1"}, {"1.0-~", "1.0"},
		{"\x00", ""}, {"1.\xff", "1._"}, {"~^~", "^~^"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, pm := range []verifier.PackageManager{verifier.RPM, verifier.Dpkg} {
			ab, ba := verifier.CompareVersions(pm, a, b), verifier.CompareVersions(pm, b, a)
			if ab != -ba || ab < -1 || ab > 1 {
				t.Errorf("%s: %q vs %q = %d, reversed %d", pm, a, b, ab, ba)
			}
			if c := verifier.CompareVersions(pm, a, a); c != 0 {
				t.Errorf("%s: %q vs itself = %d", pm, a, c)
			}
		}
	})
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want verifier.Version
	}{
		{"8.7p1-38.el9", verifier.Version{Version: "8.7p1", Release: "38.el9"}},
		{"1:8.9p1-3ubuntu0.6", verifier.Version{Epoch: "1", Version: "8.9p1", Release: "3ubuntu0.6"}},
		{"2.0", verifier.Version{Version: "2.0"}},
		{"1:2.0", verifier.Version{Epoch: "1", Version: "2.0"}},
		{"1.2-3-4", verifier.Version{Version: "1.2-3", Release: "4"}},
		{"a:1.0", verifier.Version{Version: "a:1.0"}}, // not an epoch
	}
	for _, tt := range tests {
		if got := verifier.ParseVersion(tt.in); got != tt.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if got := verifier.ParseVersion(tt.in).String(); got != tt.in {
			t.Errorf("ParseVersion(%q).String() = %q", tt.in, got)
		}
	}
}

func TestVersionConstraintAllows(t *testing.T) {
	rpm, dpkg := verifier.RPM, verifier.Dpkg
	tests := []struct {
		name                  string
		pm                    verifier.PackageManager
		constraint, installed string
		want                  bool
	}{
		{"rpm at least", rpm, ">= 8.7", "8.7p1-38.el9", true},
		{"rpm explicit epoch 0", rpm, ">= 8.7", "0:8.7p1-38.el9", true},
		{"rpm too old", rpm, ">= 8.8", "8.7p1-38.el9", false},
		{"rpm below", rpm, "< 3", "2.9.1-1", true},
		{"rpm not below", rpm, "< 3", "3.0-1", false},
		{"rpm release not compared when not written", rpm, "<= 3.0", "3.0-7", true},
		{"rpm so not below either", rpm, "< 3.0", "3.0-7", false},
		{"rpm exact release", rpm, "= 1.2.3-4.el9", "1.2.3-4.el9", true},
		{"rpm other release", rpm, "= 1.2.3-4.el9", "1.2.3-5.el9", false},
		{"rpm any release of the version", rpm, "== 1.2.3", "1.2.3-5.el9", true},
		{"rpm bare version means =", rpm, "1.2.3", "1.2.3-1", true},
		{"rpm not equal", rpm, "!= 1.2.3", "1.2.4-1", true},
		{"rpm not equal to any release", rpm, "!= 1.2.3", "1.2.3-1", false},
		{"rpm missing epoch is 0", rpm, "> 1:1.0", "2.0-1", false},
		{"rpm epoch then version", rpm, "> 1:1.0", "1:1.1-1", true},
		{"rpm installed epoch outranks the version", rpm, ">= 2.0", "1:1.0-1", true},
		{"rpm range", rpm, ">= 8.7, < 9", "8.9p1-1", true},
		{"rpm out of range", rpm, ">= 8.7, < 9", "9.0p1-1", false},
		{"rpm kernel", rpm, "> 5.14.0-300", "1:5.14.0-362.el9", true},
		{"rpm prerelease below", rpm, "< 1.0", "1.0~rc1-1", true},
		{"rpm snapshot between", rpm, "> 1.0, < 1.0.1", "1.0^git1-1", true},

		{"dpkg at least with epoch", dpkg, ">= 1:8.9", "1:8.9p1-3ubuntu0.6", true},
		{"dpkg missing epoch is 0", dpkg, ">= 8.9", "1:8.9p1-3ubuntu0.6", true},
		{"dpkg epoch too old", dpkg, ">= 2:8.9", "1:8.9p1-3ubuntu0.6", false},
		{"dpkg revision compared though not written", dpkg, "<= 3.0", "3.0-7", false},
		{"dpkg so above", dpkg, "> 3.0", "3.0-7", true},
		{"dpkg = needs the revision", dpkg, "= 1.2.3", "1.2.3-1", false},
		{"dpkg exact", dpkg, "= 1.2.3-1", "1.2.3-1", true},
		{"dpkg revision 0 is none", dpkg, "= 1.2.3", "1.2.3-0", true},
		{"dpkg backport below the release", dpkg, "< 1.0-1", "1.0-1~bpo11+1", true},
		{"dpkg letters after digits", dpkg, "> 1.1", "1.a-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vc, err := verifier.ParseVersionConstraint(tt.constraint)
			if err != nil {
				t.Fatalf("ParseVersionConstraint(%q): %v", tt.constraint, err)
			}
			if got := vc.Allows(tt.pm, tt.installed); got != tt.want {
				t.Errorf("%q allows %s %q = %v, want %v", tt.constraint, tt.pm, tt.installed, got, tt.want)
			}
		})
	}
}

func TestParseVersionConstraintErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "expected a version"},
		{">=", "expected a version"},
		{"~> 1.0", `unknown operator "~>"`},
		{"=> 1.0", `unknown operator "=>"`},
		{">= 1.0,", "expected a version"},
		{">= 1 2", "expected a version"},
		{"= :1.0", `empty epoch in ":1.0" of "= :1.0": write it before the colon`},
		{"= 1.0-", `empty release in "1.0-" of "= 1.0-": write it after the hyphen`},
		{">= 1.0, < 2:", `empty version in "2:" of ">= 1.0, < 2:"`},
		{"= 1:-1", `empty version in "1:-1"`},
		{"= -1", `empty version in "-1"`},
	}
	for _, tt := range tests {
		vc, err := verifier.ParseVersionConstraint(tt.in)
		if err == nil {
			t.Errorf("ParseVersionConstraint(%q) = %v, want an error", tt.in, vc)
		} else if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseVersionConstraint(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
	vc, err := verifier.ParseVersionConstraint(">=8.7 ,<9")
	if err != nil {
		t.Fatal(err)
	}
	if got := vc.String(); got != ">= 8.7, < 9" {
		t.Errorf("String() = %q", got)
	}
}
