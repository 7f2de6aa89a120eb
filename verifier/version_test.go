package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.1", -1},
		{"1.10", "1.9", 1},
		{"1.05", "1.5", 0},
		{"2.0", "1.999", 1},
		{"1.0", "1.0.1", -1},
		{"8.7p1", "8.7", 1},
		{"1.0a", "1.0", 1},
		{"1.0a", "1.0b", -1},
		{"1.0.a", "1.0.1", -1}, // numbers are newer than letters
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc1", "1.0~rc2", -1},
		{"1.0~~", "1.0~", -1},
		{"1.0^git1", "1.0", 1},
		{"1.0^git1", "1.0.1", -1},
		{"1.0_1", "1.0.1", 0}, // separators only separate
		{"5.14.0", "5.4.0", 1},
		{"12345678901234567890", "12345678901234567891", -1}, // no overflow
		{"2.36.1", "2.36.1+dfsg", -1},                        // extra text is newer, as in dpkg
		{"", "1", -1},
	}
	for _, tt := range tests {
		if got := verifier.CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := verifier.CompareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
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
	tests := []struct {
		constraint, installed string
		want                  bool
	}{
		{">= 8.7", "8.7p1-38.el9", true},
		{">= 8.7", "0:8.7p1-38.el9", true},
		{">= 8.8", "8.7p1-38.el9", false},
		{"< 3", "2.9.1-1", true},
		{"< 3", "3.0-1", false},
		{"<= 3.0", "3.0-7", true}, // release not compared when not written
		{"= 1.2.3-4.el9", "1.2.3-4.el9", true},
		{"= 1.2.3-4.el9", "1.2.3-5.el9", false},
		{"== 1.2.3", "1.2.3-5.el9", true},
		{"1.2.3", "1.2.3-1", true}, // a bare version means =
		{"!= 1.2.3", "1.2.4-1", true},
		{"!= 1.2.3", "1.2.3-1", false},
		{"> 1:1.0", "2.0-1", false}, // epoch 0 < 1
		{"> 1:1.0", "1:1.1-1", true},
		{">= 2.0", "1:1.0-1", false}, // epoch not compared when not written
		{">= 8.7, < 9", "8.9p1-1", true},
		{">= 8.7, < 9", "9.0p1-1", false},
		{"> 5.14.0-300", "1:5.14.0-362.el9", true},
		{"< 1.0", "1.0~rc1-1", true},
	}
	for _, tt := range tests {
		vc, err := verifier.ParseVersionConstraint(tt.constraint)
		if err != nil {
			t.Fatalf("ParseVersionConstraint(%q): %v", tt.constraint, err)
		}
		if got := vc.Allows(tt.installed); got != tt.want {
			t.Errorf("%q allows %q = %v, want %v", tt.constraint, tt.installed, got, tt.want)
		}
	}
}

func TestParseVersionConstraintErrors(t *testing.T) {
	for _, in := range []string{"", ">=", "~> 1.0", "=> 1.0", ">= 1.0,", ">= 1 2"} {
		if vc, err := verifier.ParseVersionConstraint(in); err == nil {
			t.Errorf("ParseVersionConstraint(%q) = %v, want an error", in, vc)
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
