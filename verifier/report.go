package verifier

import (
	"fmt"
	"strings"
	"time"
)

// Report is the outcome of a verification run.
type Report struct {
	// Name names the run in JUnit and JSON output; "" means "verify".
	Name    string
	Results []Result
	// Duration is the wall-clock time of the whole run, which is less than
	// the sum of check durations when checks run in parallel.
	Duration time.Duration
}

// Counts tallies results by status.
type Counts struct {
	Total, Passed, Failed, Skipped, Errors int
}

// Counts tallies the report's results.
func (r *Report) Counts() Counts {
	c := Counts{Total: len(r.Results)}
	for _, res := range r.Results {
		switch res.Status {
		case StatusPass:
			c.Passed++
		case StatusFail:
			c.Failed++
		case StatusSkip:
			c.Skipped++
		default:
			c.Errors++
		}
	}
	return c
}

// OK reports whether nothing failed or errored; skips are fine.
func (r *Report) OK() bool {
	c := r.Counts()
	return c.Failed == 0 && c.Errors == 0
}

// Err returns nil when the report is OK, else a *ChecksFailedError naming
// each check that failed or errored, for the caller to fail the build
// with.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	return &ChecksFailedError{Report: r}
}

// ChecksFailedError says the checks ran and some failed or errored — as
// opposed to a guest that could not be checked at all.
type ChecksFailedError struct {
	Report *Report
}

func (e *ChecksFailedError) Error() string {
	var lines []string
	for _, res := range e.Report.Results {
		if res.Status == StatusFail || res.Status == StatusError {
			lines = append(lines, fmt.Sprintf("%s %s %s: %s", strings.ToUpper(string(res.Status)), res.Type, res.Name, res.Message))
		}
	}
	return fmt.Sprintf("verification failed: %s\n%s", e.Report.Summary(), strings.Join(lines, "\n"))
}

// Summary is the totals line, e.g. "12 checks: 10 passed, 1 failed,
// 1 skipped, 0 errored in 3.21s".
func (r *Report) Summary() string {
	c := r.Counts()
	return fmt.Sprintf("%d checks: %d passed, %d failed, %d skipped, %d errored in %s",
		c.Total, c.Passed, c.Failed, c.Skipped, c.Errors, formatSeconds(r.Duration))
}

func (r *Report) name() string {
	if r.Name == "" {
		return "verify"
	}
	return r.Name
}

// formatSeconds writes a duration in seconds with two decimals.
func formatSeconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}
