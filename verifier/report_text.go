package verifier

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the human summary: one aligned line per check with its
// status, type, name and duration, the message for checks that did not
// pass, then the totals line.
func (r *Report) WriteText(w io.Writer) error {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	for _, res := range r.Results {
		msg := ""
		if res.Status != StatusPass {
			// Messages stay on one line so the columns hold.
			msg = strings.ReplaceAll(res.Message, "\n", " ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n",
			strings.ToUpper(string(res.Status)), res.Type, res.Name, formatSeconds(res.Duration), msg)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		// tabwriter pads the duration column even when no message follows.
		out.WriteString(strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			out.WriteByte('\n')
		}
	}
	out.WriteString(r.Summary() + "\n")
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}
