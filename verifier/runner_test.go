package verifier_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/verifiertest"
)

// funcCheck is a check whose attempts a test scripts directly.
type funcCheck struct {
	verifier.Meta
	eval func(ctx context.Context, g *verifier.Guest) verifier.Verdict
}

func (c *funcCheck) Evaluate(ctx context.Context, g *verifier.Guest) verifier.Verdict {
	return c.eval(ctx, g)
}

func newGuest() *verifier.Guest { return verifier.NewGuest(verifiertest.New(), verifier.Facts{}) }

func TestRunnerBoundsAndUsesParallelism(t *testing.T) {
	for _, parallel := range []int{1, 3, 5} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			var running, peak atomic.Int32
			// gate opens once `parallel` checks are inside at the same
			// time: a runner that ran fewer at once would never open it.
			gate := make(chan struct{})
			var once sync.Once
			checks := make([]verifier.Check, 4*parallel)
			for i := range checks {
				checks[i] = &funcCheck{Meta: verifier.Meta{Type: "t", Name: fmt.Sprint(i)}, eval: func(ctx context.Context, _ *verifier.Guest) verifier.Verdict {
					n := running.Add(1)
					defer running.Add(-1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					if int(n) == parallel {
						once.Do(func() { close(gate) })
					}
					select {
					case <-gate:
					case <-ctx.Done():
						return verifier.Failf("gate never opened: only %d ran at once", peak.Load())
					}
					// Stay inside a moment so that a runner starting more
					// than `parallel` would be caught in the act.
					time.Sleep(5 * time.Millisecond)
					return verifier.Pass()
				}}
			}
			r := &verifier.Runner{Parallel: parallel, Timeout: 2 * time.Second}
			results := r.Run(context.Background(), newGuest(), checks)
			for _, res := range results {
				if res.Status != verifier.StatusPass {
					t.Fatalf("%s: %s %s", res.Name, res.Status, res.Message)
				}
			}
			if got := peak.Load(); int(got) != parallel {
				t.Errorf("peak concurrency %d, want %d", got, parallel)
			}
		})
	}
}

func TestRunnerKeepsSpecOrder(t *testing.T) {
	// Later checks finish first; results must still follow the input.
	var checks []verifier.Check
	for i := 0; i < 8; i++ {
		delay := time.Duration(8-i) * time.Millisecond
		checks = append(checks, &funcCheck{Meta: verifier.Meta{Type: "t", Name: fmt.Sprint(i)}, eval: func(context.Context, *verifier.Guest) verifier.Verdict {
			time.Sleep(delay)
			return verifier.Pass()
		}})
	}
	results := (&verifier.Runner{Parallel: 8}).Run(context.Background(), newGuest(), checks)
	for i, res := range results {
		if res.Name != fmt.Sprint(i) {
			t.Fatalf("result %d is check %s", i, res.Name)
		}
	}
}

func TestRunnerPerCheckTimeout(t *testing.T) {
	slow := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "slow", Timeout: 20 * time.Millisecond}, eval: func(ctx context.Context, _ *verifier.Guest) verifier.Verdict {
		<-ctx.Done()
		return verifier.Errorf("run: %v", ctx.Err())
	}}
	fast := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "fast"}, eval: func(ctx context.Context, _ *verifier.Guest) verifier.Verdict {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) < time.Second {
			return verifier.Failf("expected the runner's 5s default deadline")
		}
		return verifier.Pass()
	}}
	start := time.Now()
	results := (&verifier.Runner{Parallel: 2, Timeout: 5 * time.Second}).Run(context.Background(), newGuest(), []verifier.Check{slow, fast})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("run took %s; the slow check's 20ms timeout was not applied", elapsed)
	}
	assertResult(t, results[0], verifier.StatusFail, "timed out after 20ms")
	if results[0].Message != "timed out after 20ms" {
		t.Errorf("message %q repeats the context error", results[0].Message)
	}
	assertResult(t, results[1], verifier.StatusPass, "")
}

func TestRunnerRetryUntilPass(t *testing.T) {
	var attempts atomic.Int32
	c := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "flaky", Retry: true}, eval: func(context.Context, *verifier.Guest) verifier.Verdict {
		if attempts.Add(1) < 4 {
			return verifier.Failf("expected up, got down")
		}
		return verifier.Pass()
	}}
	r := &verifier.Runner{Timeout: 5 * time.Second, RetryInterval: 10 * time.Millisecond}
	start := time.Now()
	res := r.Run(context.Background(), newGuest(), []verifier.Check{c})[0]
	assertResult(t, res, verifier.StatusPass, "")
	if res.Attempts != 4 {
		t.Errorf("attempts = %d, want 4", res.Attempts)
	}
	// Three waits of 10ms between four attempts: no busy loop, no full
	// second per retry.
	if elapsed := time.Since(start); elapsed < 30*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("took %s, want about 30ms", elapsed)
	}
}

func TestRunnerRetryUntilTimeoutKeepsLastFailure(t *testing.T) {
	var attempts atomic.Int32
	c := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "down", Retry: true, Timeout: 100 * time.Millisecond}, eval: func(ctx context.Context, _ *verifier.Guest) verifier.Verdict {
		return verifier.Failf("expected active, got inactive (attempt %d)", attempts.Add(1))
	}}
	r := &verifier.Runner{RetryInterval: 10 * time.Millisecond}
	res := r.Run(context.Background(), newGuest(), []verifier.Check{c})[0]
	n := attempts.Load()
	if n < 3 || n > 12 {
		t.Errorf("%d attempts in 100ms at 10ms intervals", n)
	}
	if res.Attempts != int(n) {
		t.Errorf("result counts %d attempts, check saw %d", res.Attempts, n)
	}
	want := fmt.Sprintf("timed out after 100ms (%d attempts); last result: expected active, got inactive (attempt %d)", n, n)
	assertResult(t, res, verifier.StatusFail, want)
}

func TestRunnerDoesNotRetryWithoutRetry(t *testing.T) {
	var attempts atomic.Int32
	c := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "once"}, eval: func(context.Context, *verifier.Guest) verifier.Verdict {
		attempts.Add(1)
		return verifier.Failf("expected a, got b")
	}}
	res := (&verifier.Runner{RetryInterval: time.Millisecond}).Run(context.Background(), newGuest(), []verifier.Check{c})[0]
	assertResult(t, res, verifier.StatusFail, "expected a, got b")
	if attempts.Load() != 1 || res.Attempts != 1 {
		t.Errorf("attempts = %d (result says %d), want 1", attempts.Load(), res.Attempts)
	}
}

func TestRunnerCancelledRunIsAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "c"}, eval: func(ctx context.Context, _ *verifier.Guest) verifier.Verdict {
		cancel()
		<-ctx.Done()
		return verifier.Errorf("run: %v", ctx.Err())
	}}
	res := (&verifier.Runner{}).Run(ctx, newGuest(), []verifier.Check{c})[0]
	assertResult(t, res, verifier.StatusError, "run cancelled")
}

func TestRunnerResultCarriesMetadataAndDuration(t *testing.T) {
	c := &funcCheck{Meta: verifier.Meta{Type: "t", Name: "n", Description: "d"}, eval: func(context.Context, *verifier.Guest) verifier.Verdict {
		time.Sleep(5 * time.Millisecond)
		return verifier.Skipf("not here")
	}}
	res := (&verifier.Runner{}).Run(context.Background(), newGuest(), []verifier.Check{c})[0]
	if res.Type != "t" || res.Name != "n" || res.Description != "d" || res.Attempts != 1 {
		t.Errorf("result %+v lost the check's metadata", res)
	}
	if res.Duration < 5*time.Millisecond {
		t.Errorf("duration %s, want at least 5ms", res.Duration)
	}
	assertResult(t, res, verifier.StatusSkip, "not here")
}

func TestVerifyRunsBuiltinsThenSpecChecks(t *testing.T) {
	spec, err := verifier.ParseSource([]byte(`settings {
  disable = ["system_running", "cloud_init", "ssh_host_keys_fresh", "machine_id_fresh", "no_shell_history", "no_avc_denials",
    "authorized_keys_expected", "sensitive_file_modes", "root_login_locked", "package_integrity", "no_installer_leftovers",
    "network_not_pinned", "no_unexpected_sudoers"]
}
check "command" "true" {
  run = "true"
}`), "spec.hcl")
	if err != nil {
		t.Fatal(err)
	}
	fake := verifiertest.New().On("true", "")
	report := verifier.Verify(context.Background(), fake, spec, verifier.Facts{BootDuration: time.Second})
	var got []string
	for _, r := range report.Results {
		got = append(got, fmt.Sprintf("%s/%s=%s", r.Type, r.Name, r.Status))
	}
	want := "[builtin/boot_time=pass builtin/temp_key_absent=skip command/true=pass]"
	if fmt.Sprint(got) != want {
		t.Errorf("results %v, want %s", got, want)
	}
	if !report.OK() || report.Err() != nil {
		t.Errorf("report not OK: %v", report.Err())
	}
}
