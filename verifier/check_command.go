package verifier

import (
	"context"
	"regexp"
	"strings"
)

// CommandCheck runs a shell command in the guest and checks its exit status
// and output. Output comparisons ignore trailing newlines.
type CommandCheck struct {
	Meta
	// Run is the shell command line, run as written.
	Run string
	// ExitStatus is the required exit status (default 0).
	ExitStatus int
	// Stdout and Stderr, when set, must equal the output exactly.
	Stdout, Stderr *string
	// StdoutContains and StderrContains list required substrings.
	StdoutContains, StderrContains []string
	// StdoutMatches and StderrMatches, when set, must match the output.
	StdoutMatches, StderrMatches *regexp.Regexp
}

var commandType = checkType{
	name: "command",
	attrs: []attrDef{
		{name: "run", kind: kindString, required: true},
		{name: "exit_status", kind: kindInt},
		{name: "stdout", kind: kindString},
		{name: "stderr", kind: kindString},
		{name: "stdout_contains", kind: kindStringList},
		{name: "stderr_contains", kind: kindStringList},
		{name: "stdout_matches", kind: kindString},
		{name: "stderr_matches", kind: kindString},
	},
	validateName: freeName,
	build: func(m Meta, r *attrReader) Check {
		c := &CommandCheck{
			Meta:           m,
			Run:            r.str("run"),
			ExitStatus:     r.integer("exit_status", 0),
			StdoutContains: r.list("stdout_contains"),
			StderrContains: r.list("stderr_contains"),
			StdoutMatches:  compileAttr(r, "stdout_matches"),
			StderrMatches:  compileAttr(r, "stderr_matches"),
		}
		if r.has("stdout") {
			s := r.str("stdout")
			c.Stdout = &s
		}
		if r.has("stderr") {
			s := r.str("stderr")
			c.Stderr = &s
		}
		if r.has("run") && strings.TrimSpace(c.Run) == "" {
			r.errorf("run", "must not be empty")
		}
		if c.ExitStatus < 0 || c.ExitStatus > 255 {
			r.errorf("exit_status", "expected 0 to 255, got %d", c.ExitStatus)
		}
		return c
	},
}

// compileAttr compiles an RE2 regexp attribute, reporting a bad one.
func compileAttr(r *attrReader, name string) *regexp.Regexp {
	if !r.has(name) {
		return nil
	}
	re, err := regexp.Compile(r.str(name))
	if err != nil {
		r.errorf(name, "invalid regular expression: %v", err)
		return nil
	}
	return re
}

// Evaluate runs the command and compares what it produced.
func (c *CommandCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, c.Run)
	if err != nil {
		return execError("run command", err)
	}
	return c.judge(res)
}

func (c *CommandCheck) judge(res ExecResult) Verdict {
	if res.ExitStatus != c.ExitStatus {
		msg := ""
		if s := firstLine(res.Stderr); s != "" {
			msg = " (stderr: " + s + ")"
		}
		return Failf("expected exit status %d, got %d%s", c.ExitStatus, res.ExitStatus, msg)
	}
	if v := judgeStream("stdout", res.Stdout, c.Stdout, c.StdoutContains, c.StdoutMatches); v.Status != StatusPass {
		return v
	}
	return judgeStream("stderr", res.Stderr, c.Stderr, c.StderrContains, c.StderrMatches)
}

func judgeStream(stream, got string, equals *string, contains []string, matches *regexp.Regexp) Verdict {
	got = strings.TrimRight(got, "\r\n")
	if equals != nil && got != strings.TrimRight(*equals, "\r\n") {
		return Failf("expected %s %q, got %q", stream, *equals, abbreviate(got))
	}
	for _, s := range contains {
		if !strings.Contains(got, s) {
			return Failf("expected %s to contain %q, got %q", stream, s, abbreviate(got))
		}
	}
	if matches != nil && !matches.MatchString(got) {
		return Failf("expected %s to match %q, got %q", stream, matches.String(), abbreviate(got))
	}
	return Pass()
}

// abbreviate keeps failure messages readable when a command is chatty.
func abbreviate(s string) string {
	const limit = 200
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}
