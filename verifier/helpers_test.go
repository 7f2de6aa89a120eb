package verifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/verifiertest"
)

// Commands the checks are expected to send, spelled out so the tests also
// pin down command construction and quoting.
const (
	probeCmd = "cat /etc/os-release 2>/dev/null; echo @@verifier@@; command -v rpm; command -v dpkg-query; true"
	btimeCmd = "grep '^btime ' /proc/stat"
)

const (
	centosRelease = "NAME=\"CentOS Stream\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n@@verifier@@\n/usr/bin/rpm\n"
	ubuntuRelease = "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n@@verifier@@\n/usr/bin/dpkg-query\n"
)

func out(stdout string) verifier.ExecResult { return verifier.ExecResult{Stdout: stdout} }

func exit(status int, stdout, stderr string) verifier.ExecResult {
	return verifier.ExecResult{ExitStatus: status, Stdout: stdout, Stderr: stderr}
}

// checkCase is one check run against canned guest answers.
type checkCase struct {
	name      string
	src       string // one check block
	responses map[string]verifier.ExecResult
	facts     verifier.Facts
	status    verifier.Status
	// message must appear in the result's message; "" requires none.
	message string
}

func runCheckCases(t *testing.T, tests []checkCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := verifier.ParseSource([]byte(tt.src), "spec.hcl")
			if err != nil {
				t.Fatal(err)
			}
			if len(spec.Checks) != 1 {
				t.Fatalf("spec has %d checks, want 1", len(spec.Checks))
			}
			fake := verifiertest.New()
			for cmd, res := range tt.responses {
				fake.OnResult(cmd, res)
			}
			res := runOne(t, fake, tt.facts, spec.Checks[0])
			assertResult(t, res, tt.status, tt.message)
		})
	}
}

// runOne runs a single check with test-friendly timings.
func runOne(t *testing.T, exec verifier.Executor, facts verifier.Facts, c verifier.Check) verifier.Result {
	t.Helper()
	r := &verifier.Runner{Parallel: 1, Timeout: 5 * time.Second, RetryInterval: time.Millisecond}
	return r.Run(context.Background(), verifier.NewGuest(exec, facts), []verifier.Check{c})[0]
}

func assertResult(t *testing.T, res verifier.Result, status verifier.Status, message string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("status = %s (%q), want %s", res.Status, res.Message, status)
	}
	switch {
	case message == "" && res.Message != "":
		t.Errorf("message = %q, want none", res.Message)
	case !strings.Contains(res.Message, message):
		t.Errorf("message = %q, want it to contain %q", res.Message, message)
	}
}

func newFake(responses map[string]verifier.ExecResult) *verifiertest.Executor {
	fake := verifiertest.New()
	for cmd, res := range responses {
		fake.OnResult(cmd, res)
	}
	return fake
}
