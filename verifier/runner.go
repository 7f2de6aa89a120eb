package verifier

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Result is the outcome of one check.
type Result struct {
	Type        string
	Name        string
	Description string
	Status      Status
	// Message explains a non-pass status; passes may carry a note.
	Message  string
	Duration time.Duration
	// Attempts counts evaluations; more than one only with retry.
	Attempts int
	// Started is when the check began, for the report's timeline; zero
	// for results no check run made (a guest that never came up).
	Started time.Time
}

// Runner runs checks against a guest.
type Runner struct {
	// Parallel bounds how many checks run at once; values below 1 mean
	// DefaultParallel and values above MaxParallel are capped.
	Parallel int
	// Timeout applies to checks that set none; 0 means DefaultTimeout.
	Timeout time.Duration
	// RetryInterval separates attempts of a retrying check; 0 means one
	// second. Tests shorten it.
	RetryInterval time.Duration
}

// NewRunner returns a runner configured from spec settings.
func NewRunner(s Settings) *Runner {
	return &Runner{Parallel: s.Parallel, Timeout: s.Timeout}
}

func (r *Runner) parallel() int {
	switch {
	case r.Parallel < 1:
		return DefaultParallel
	case r.Parallel > MaxParallel:
		return MaxParallel
	}
	return r.Parallel
}

func (r *Runner) retryInterval() time.Duration {
	if r.RetryInterval <= 0 {
		return time.Second
	}
	return r.RetryInterval
}

// Run evaluates every check and returns results in the order of checks,
// whatever order they finished in. It sets g to poll at the retry
// interval, so a Guest serves one run at a time.
func (r *Runner) Run(ctx context.Context, g *Guest, checks []Check) []Result {
	g.pollInterval = r.retryInterval()
	results := make([]Result, len(checks))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(r.parallel(), len(checks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = r.runOne(ctx, g, checks[i])
			}
		}()
	}
	for i := range checks {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// runOne evaluates a check within its timeout, retrying if asked to.
func (r *Runner) runOne(parent context.Context, g *Guest, c Check) Result {
	m := c.Metadata()
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = r.Timeout
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()

	start := time.Now()
	res := Result{Type: m.Type, Name: m.Name, Description: m.Description, Started: start}
	// informative is the latest verdict that says more than "the context
	// expired", which is what an attempt cut short by the timeout returns.
	var v, informative Verdict
	for {
		res.Attempts++
		v = c.Evaluate(ctx, g)
		if !mentionsDeadline(v.Message) {
			informative = v
		}
		if ctx.Err() != nil || v.Status == StatusPass || v.Status == StatusSkip || !m.Retry {
			break
		}
		if sleep(ctx, r.retryInterval()) != nil {
			break
		}
	}
	res.Duration = time.Since(start)
	res.Status, res.Message = v.Status, v.Message
	if ctx.Err() != nil && v.Status != StatusPass && v.Status != StatusSkip {
		res.Status, res.Message = timedOut(parent, timeout, res.Attempts, informative)
	}
	return res
}

// timedOut words the result of a check whose time ran out. Running out of
// time is a failure of the check (the guest did not get there in time),
// unless the whole run was cancelled, which is an error.
func timedOut(parent context.Context, timeout time.Duration, attempts int, last Verdict) (Status, string) {
	if err := parent.Err(); err != nil {
		return StatusError, fmt.Sprintf("run cancelled: %v", err)
	}
	msg := fmt.Sprintf("timed out after %s", timeout)
	if attempts > 1 {
		msg += fmt.Sprintf(" (%d attempts)", attempts)
	}
	if last.Message != "" {
		msg += "; last result: " + last.Message
	}
	return StatusFail, msg
}

// mentionsDeadline spots messages that only say the context ended.
func mentionsDeadline(msg string) bool {
	return strings.Contains(msg, context.DeadlineExceeded.Error()) || strings.Contains(msg, context.Canceled.Error())
}
