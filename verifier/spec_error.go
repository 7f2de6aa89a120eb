package verifier

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// SpecError reports every problem found in a spec at once.
type SpecError struct {
	Diagnostics hcl.Diagnostics
}

// Error lists each problem on its own line as "file:line:column: message",
// or just the message when the spec came without positions (checks that
// Packer decoded).
func (e *SpecError) Error() string {
	var b strings.Builder
	for _, d := range e.Diagnostics {
		if d.Severity != hcl.DiagError {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(formatDiagnostic(d))
	}
	return b.String()
}

func formatDiagnostic(d *hcl.Diagnostic) string {
	msg := d.Summary
	if d.Detail != "" {
		msg += "; " + d.Detail
	}
	if d.Subject == nil {
		return msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, msg)
}

// specErr returns a *SpecError for diags with errors, nil otherwise.
func specErr(diags hcl.Diagnostics) error {
	if !diags.HasErrors() {
		return nil
	}
	return &SpecError{Diagnostics: diags}
}
