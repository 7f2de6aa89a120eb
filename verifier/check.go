package verifier

import (
	"context"
	"fmt"
	"time"
)

// Status is the outcome of a check.
type Status string

// The possible check outcomes. Fail means the guest does not match the spec;
// Error means the check could not find out (e.g. the executor failed).
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusSkip  Status = "skip"
	StatusError Status = "error"
)

// Meta holds what every check has regardless of its type.
type Meta struct {
	// Type is the check type ("package", "service", ... or "builtin").
	Type string
	// Name is the second block label: a package name, a path, a free name.
	Name string
	// Description is free text shown in reports.
	Description string
	// Timeout bounds the check including retries; 0 means the default
	// from Settings.
	Timeout time.Duration
	// Retry re-runs a failing check until it passes or Timeout elapses.
	Retry bool
}

// Metadata returns m itself so that check types embedding Meta satisfy Check.
func (m Meta) Metadata() Meta { return m }

// key identifies a check within a spec; (type, name) pairs are unique.
func (m Meta) key() checkKey { return checkKey{m.Type, m.Name} }

// String names the check the way a spec file spells it.
func (m Meta) String() string { return fmt.Sprintf("check %q %q", m.Type, m.Name) }

type checkKey struct{ typ, name string }

// Check is one verification run against a guest.
type Check interface {
	// Metadata returns the check's identity and common options.
	Metadata() Meta
	// Evaluate makes one attempt. It must return promptly once ctx is done.
	Evaluate(ctx context.Context, g *Guest) Verdict
}

// Verdict is what one attempt of a check concluded.
type Verdict struct {
	Status Status
	// Message explains a non-pass status, in "expected X, got Y" form
	// for failures.
	Message string
}

// Pass is the verdict of an attempt that found what the spec expects.
func Pass() Verdict { return Verdict{Status: StatusPass} }

// Failf reports that the guest does not match the spec.
func Failf(format string, args ...any) Verdict {
	return Verdict{Status: StatusFail, Message: fmt.Sprintf(format, args...)}
}

// Skipf reports that the check does not apply to this guest.
func Skipf(format string, args ...any) Verdict {
	return Verdict{Status: StatusSkip, Message: fmt.Sprintf(format, args...)}
}

// Errorf reports that the check could not determine the outcome.
func Errorf(format string, args ...any) Verdict {
	return Verdict{Status: StatusError, Message: fmt.Sprintf(format, args...)}
}

// execError turns an executor failure into a verdict naming what was run.
func execError(what string, err error) Verdict {
	return Errorf("%s: %v", what, err)
}
