package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestPackageCheck(t *testing.T) {
	const (
		rpmSSH  = `rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' openssh-server`
		dpkgSSH = `dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' openssh-server`
	)
	rpm := func(r verifier.ExecResult) map[string]verifier.ExecResult {
		return map[string]verifier.ExecResult{probeCmd: out(centosRelease), rpmSSH: r}
	}
	dpkg := func(r verifier.ExecResult) map[string]verifier.ExecResult {
		return map[string]verifier.ExecResult{probeCmd: out(ubuntuRelease), dpkgSSH: r}
	}
	notInstalled := exit(1, "package openssh-server is not installed\n", "")
	runCheckCases(t, []checkCase{
		{
			name:      "rpm installed",
			src:       `check "package" "openssh-server" {}`,
			responses: rpm(out("(none):8.7p1-38.el9\n")),
			status:    verifier.StatusPass,
		},
		{
			name:      "rpm not installed",
			src:       `check "package" "openssh-server" {}`,
			responses: rpm(notInstalled),
			status:    verifier.StatusFail,
			message:   "expected installed, got not installed",
		},
		{
			name: "rpm version satisfied",
			src: `check "package" "openssh-server" {
  version = ">= 8.7"
}`,
			responses: rpm(out("(none):8.7p1-38.el9\n")),
			status:    verifier.StatusPass,
		},
		{
			name: "rpm version too old",
			src: `check "package" "openssh-server" {
  version = ">= 9"
}`,
			responses: rpm(out("(none):8.7p1-38.el9\n")),
			status:    verifier.StatusFail,
			message:   "expected version >= 9, got 8.7p1-38.el9",
		},
		{
			name: "any of several installed versions will do",
			src: `check "package" "openssh-server" {
  version = "= 9.0p1"
}`,
			responses: rpm(out("(none):8.7p1-38.el9\n(none):9.0p1-1.el9\n")),
			status:    verifier.StatusPass,
		},
		{
			name: "must not be installed and is not",
			src: `check "package" "openssh-server" {
  installed = false
}`,
			responses: rpm(notInstalled),
			status:    verifier.StatusPass,
		},
		{
			name: "must not be installed but is",
			src: `check "package" "openssh-server" {
  installed = false
}`,
			responses: rpm(out("1:8.7p1-38.el9\n")),
			status:    verifier.StatusFail,
			message:   "expected not installed, got installed 1:8.7p1-38.el9",
		},
		{
			name: "dpkg installed with epoch",
			src: `check "package" "openssh-server" {
  version = ">= 1:8.9"
}`,
			responses: dpkg(out("ii |1:8.9p1-3ubuntu0.6\n")),
			status:    verifier.StatusPass,
		},
		{
			name: "rpm leaves the release out when the constraint does",
			src: `check "package" "openssh-server" {
  version = "<= 1:8.9p1"
}`,
			responses: rpm(out("1:8.9p1-3.el9\n")),
			status:    verifier.StatusPass,
		},
		{
			name: "dpkg compares the revision even when the constraint has none",
			src: `check "package" "openssh-server" {
  version = "<= 1:8.9p1"
}`,
			responses: dpkg(out("ii |1:8.9p1-3ubuntu0.6\n")),
			status:    verifier.StatusFail,
			message:   "expected version <= 1:8.9p1, got 1:8.9p1-3ubuntu0.6",
		},
		{
			name:      "dpkg removed with config left is not installed",
			src:       `check "package" "openssh-server" {}`,
			responses: dpkg(out("rc |1:8.9p1-3ubuntu0.6\n")),
			status:    verifier.StatusFail,
			message:   "expected installed, got not installed",
		},
		{
			name: "unknown distribution uses whichever tool exists",
			src:  `check "package" "openssh-server" {}`,
			responses: map[string]verifier.ExecResult{
				probeCmd: out("ID=mystery\n@@verifier@@\n/usr/bin/dpkg-query\n"),
				dpkgSSH:  out("ii |1:8.9p1-3\n"),
			},
			status: verifier.StatusPass,
		},
		{
			name:      "no package manager",
			src:       `check "package" "openssh-server" {}`,
			responses: map[string]verifier.ExecResult{probeCmd: out("ID=mystery\n@@verifier@@\n")},
			status:    verifier.StatusError,
			message:   "neither rpm nor dpkg-query",
		},
	})
}

func TestPackageManagerDetectedOncePerRun(t *testing.T) {
	fake := newFake(map[string]verifier.ExecResult{
		probeCmd: out(centosRelease),
		`rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' a`: out("(none):1-1\n"),
		`rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' b`: out("(none):1-1\n"),
		`rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n' c`: out("(none):1-1\n"),
	})
	spec, err := verifier.ParseSource([]byte("check \"package\" \"a\" {}\ncheck \"package\" \"b\" {}\ncheck \"package\" \"c\" {}"), "spec.hcl")
	if err != nil {
		t.Fatal(err)
	}
	spec.Settings.BuiltinChecks = false
	report := verifier.Verify(t.Context(), fake, spec, verifier.Facts{})
	if !report.OK() {
		t.Fatalf("report not OK: %+v", report.Results)
	}
	if n := fake.Count(probeCmd); n != 1 {
		t.Errorf("package manager probed %d times, want 1", n)
	}
}
