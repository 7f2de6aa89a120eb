package verifier

import (
	"context"
	"time"
)

// Verify runs the built-in checks the spec's settings leave on, then the
// spec's own checks, against the guest behind exec.
func Verify(ctx context.Context, exec Executor, spec *Spec, facts Facts) *Report {
	checks := append(BuiltinChecks(spec.Settings), spec.Checks...)
	start := time.Now()
	results := NewRunner(spec.Settings).Run(ctx, NewGuest(exec, facts), checks)
	return &Report{Results: results, Duration: time.Since(start)}
}
