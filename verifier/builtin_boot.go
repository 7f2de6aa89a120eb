package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// waitMargin is kept back from a check's deadline when a guest-side
// `timeout` bounds a waiting command, so the command reports its state
// before the session is torn down.
const waitMargin = 2 * time.Second

// guestWaitSeconds is how long a guest-side wait may take within ctx.
func guestWaitSeconds(ctx context.Context) int {
	d := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl) - waitMargin
	}
	return wholeSeconds(d)
}

// wholeSeconds rounds d to the nearest second, at least one, for command
// line options that take seconds.
func wholeSeconds(d time.Duration) int {
	if s := int(d.Round(time.Second) / time.Second); s > 1 {
		return s
	}
	return 1
}

// systemRunningCheck waits for boot to finish and requires the "running"
// state, listing failed units otherwise.
type systemRunningCheck struct{ Meta }

func systemRunningCommand(waitSeconds int) string {
	return fmt.Sprintf("timeout %d systemctl is-system-running --wait", waitSeconds)
}

// systemRunningPollCommand serves systemd before v240, which has no --wait.
const systemRunningPollCommand = "systemctl is-system-running"

const failedUnitsCommand = "systemctl --failed --no-legend --plain"

// Evaluate waits for the boot to settle, then judges the state.
func (c *systemRunningCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	wait := guestWaitSeconds(ctx)
	res, err := g.Run(ctx, systemRunningCommand(wait))
	if err != nil {
		return execError("systemctl is-system-running", err)
	}
	if noWaitOption(res.Stderr) {
		if res, err = pollSystemState(ctx, g); err != nil {
			return execError("systemctl is-system-running", err)
		}
	}
	state := firstLine(res.Stdout)
	switch {
	case state == "running":
		return Pass()
	case res.ExitStatus == 124 || state == "initializing" || state == "starting":
		return Failf("expected running, got %s after waiting %ds", orWord(state, "starting"), wait)
	case state == "":
		return Errorf("systemctl is-system-running exited %d: %s", res.ExitStatus, firstLine(res.Stderr))
	}
	res, err = g.Run(ctx, failedUnitsCommand)
	if err != nil {
		return execError("systemctl --failed", err)
	}
	if units := parseFailedUnits(res.Stdout); len(units) > 0 {
		return Failf("expected running, got %s; failed units: %s", state, strings.Join(units, ", "))
	}
	return Failf("expected running, got %s", state)
}

func noWaitOption(stderr string) bool {
	return strings.Contains(stderr, "--wait") &&
		(strings.Contains(stderr, "unrecognized option") || strings.Contains(stderr, "unknown option"))
}

// pollSystemState asks for the state until boot is no longer in progress
// or ctx ends, in which case the last answer is returned.
func pollSystemState(ctx context.Context, g *Guest) (ExecResult, error) {
	for {
		res, err := g.Run(ctx, systemRunningPollCommand)
		if err != nil {
			return res, err
		}
		state := firstLine(res.Stdout)
		if state != "initializing" && state != "starting" {
			return res, nil
		}
		if g.wait(ctx) != nil {
			res.ExitStatus = 124
			return res, nil
		}
	}
}

// parseFailedUnits takes the unit names from `systemctl --failed` lines,
// skipping the bullet older versions print before each.
func parseFailedUnits(stdout string) []string {
	var units []string
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "●" || f[0] == "*") {
			f = f[1:]
		}
		if len(f) > 0 {
			units = append(units, f[0])
		}
	}
	return units
}

// cloudInitCheck waits for cloud-init and requires it to have finished
// cleanly. Guests without cloud-init skip it.
type cloudInitCheck struct{ Meta }

const cloudInitMissing = "verifier: cloud-init not found"

func cloudInitCommand(waitSeconds int) string {
	return fmt.Sprintf("command -v cloud-init >/dev/null 2>&1 || { echo '%s'; exit 0; }; timeout %d cloud-init status --wait --long",
		cloudInitMissing, waitSeconds)
}

// cloudInitWarningsCommand prints cloud-init's status as JSON, whose
// recoverable_errors (23.4 and later) list what went wrong without
// failing the run, then the WARNING and worse lines of its log, which is
// where older releases (CentOS 7's, Debian 12's) say the same.
const cloudInitWarningsCommand = "cloud-init status --format json 2>/dev/null; echo " + outputMarker +
	"; grep -E '\\[(WARNING|ERROR|CRITICAL)\\]' /var/log/cloud-init.log 2>/dev/null | tail -n 20; true"

// Evaluate waits for cloud-init and reads its status; a run that is done
// is then searched for the recoverable errors it reported.
func (c *cloudInitCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	wait := guestWaitSeconds(ctx)
	res, err := g.Run(ctx, cloudInitCommand(wait))
	if err != nil {
		return execError("cloud-init status", err)
	}
	v, exit2 := judgeCloudInit(res, wait)
	if v.Status != StatusPass && !exit2 {
		return v
	}
	res, err = g.Run(ctx, cloudInitWarningsCommand)
	if err != nil {
		return execError("read cloud-init's warnings", err)
	}
	// Deprecations are not errors, unless cloud-init itself counted them
	// as recoverable errors in its exit status.
	if warnings := parseCloudInitWarnings(res.Stdout, exit2); len(warnings) > 0 {
		return Failf("expected done without errors, got done with %d recoverable error(s): %s; fix the user-data or the image's cloud.cfg they come from",
			len(warnings), listSome(warnings, 5))
	}
	return v
}

// parseCloudInitWarnings reads cloudInitWarningsCommand's output: the
// JSON's recoverable_errors when the release reports them, else the log
// lines, each as "MODULE[LEVEL]: message"; deprecations only when asked.
func parseCloudInitWarnings(stdout string, deprecations bool) []string {
	status, log, _ := strings.Cut(stdout, outputMarker+"\n")
	var st struct {
		Recoverable *map[string][]string `json:"recoverable_errors"`
	}
	if json.Unmarshal([]byte(status), &st) == nil && st.Recoverable != nil {
		var out []string
		for _, level := range []string{"CRITICAL", "ERROR", "WARNING", "DEPRECATED"} {
			if level == "DEPRECATED" && !deprecations {
				continue
			}
			for _, msg := range (*st.Recoverable)[level] {
				out = append(out, level+": "+strings.TrimSpace(msg))
			}
		}
		return out
	}
	var out []string
	for _, line := range strings.Split(log, "\n") {
		// "2024-01-01 00:00:00,123 - cc_set_passwords.py[WARNING]: ..."
		if _, rest, ok := strings.Cut(line, " - "); ok {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// judgeCloudInit judges `cloud-init status --wait --long`; exit2 says the
// run is done but cloud-init counted recoverable errors (exit status 2 on
// newer releases), whose warnings are then worth naming.
func judgeCloudInit(res ExecResult, wait int) (v Verdict, exit2 bool) {
	if strings.Contains(res.Stdout, cloudInitMissing) {
		return Skipf("cloud-init is not installed"), false
	}
	status, errs := parseCloudInitStatus(res.Stdout)
	switch {
	case res.ExitStatus == 124:
		return Failf("expected done, got still %s after waiting %ds", orWord(status, "running"), wait), false
	case status == "disabled":
		return Skipf("cloud-init is disabled"), false
	case status == "done" && res.ExitStatus == 0 && len(errs) == 0:
		return Pass(), false
	case len(errs) > 0:
		return Failf("expected done without errors, got %s with errors: %s", orWord(status, "unknown"), strings.Join(errs, "; ")), false
	case status == "done":
		return Failf("expected done without errors, got done with exit status %d (recoverable errors)", res.ExitStatus), true
	default:
		return Failf("expected done, got %s: %s", orWord(status, "no status"), firstLine(res.Stderr)), false
	}
}

// parseCloudInitStatus reads `cloud-init status --long`: the status line
// and the entries of its errors list (absent in older versions).
func parseCloudInitStatus(stdout string) (status string, errs []string) {
	inErrors := false
	for _, line := range strings.Split(stdout, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "status:"):
			status = strings.TrimSpace(strings.TrimPrefix(line, "status:"))
			inErrors = false
		case strings.HasPrefix(line, "errors:"):
			rest := strings.TrimSpace(strings.TrimPrefix(line, "errors:"))
			inErrors = rest == ""
			if rest != "" && rest != "[]" {
				errs = append(errs, strings.Trim(rest, "[]"))
			}
		case inErrors && strings.HasPrefix(trimmed, "- "):
			errs = append(errs, strings.TrimPrefix(trimmed, "- "))
		case inErrors && !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t"):
			inErrors = false
		}
	}
	return status, errs
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}

// bootTimeCheck compares the caller-measured boot-to-SSH time with the limit.
type bootTimeCheck struct {
	Meta
	MaxSeconds int
}

// Evaluate needs no guest access: the caller measured the boot.
func (c *bootTimeCheck) Evaluate(_ context.Context, g *Guest) Verdict {
	d := g.Facts().BootDuration
	if d <= 0 {
		return Skipf("boot duration was not measured")
	}
	if d > time.Duration(c.MaxSeconds)*time.Second {
		return Failf("expected boot to SSH within %ds, got %.1fs", c.MaxSeconds, d.Seconds())
	}
	return Verdict{Status: StatusPass, Message: fmt.Sprintf("booted to SSH in %.1fs", d.Seconds())}
}
