package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// HostCommand runs a program on the host (not in the guest) and reports
// its output and exit status; an error means it could not be run at all.
type HostCommand func(ctx context.Context, name string, args ...string) (ExecResult, error)

// RunHostCommand is the HostCommand that runs programs with os/exec.
func RunHostCommand(ctx context.Context, name string, args ...string) (ExecResult, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := ExecResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		res.ExitStatus = exitErr.ExitCode()
	case err != nil:
		return res, fmt.Errorf("run %s: %w", name, err)
	}
	return res, nil
}

// imageType is the check type image results report under.
const imageType = "image"

// ImageChecker inspects an image file with qemu-img before it is booted.
type ImageChecker struct {
	// Run runs host commands; nil means RunHostCommand.
	Run HostCommand
	// QemuImg is the qemu-img binary; "" means "qemu-img" from PATH.
	QemuImg string
}

// Check inspects the image at path as want describes and returns one
// result per aspect: integrity, format, virtual_size. A nil want checks
// nothing.
func (c ImageChecker) Check(ctx context.Context, path string, want *ImageSpec) []Result {
	if want == nil {
		return nil
	}
	var results []Result
	if want.Integrity {
		results = append(results, timed("integrity", func() Verdict { return c.integrity(ctx, path) }))
	}
	if want.Format == "" && want.VirtualSize == 0 {
		return results
	}
	start := time.Now()
	info, err := c.info(ctx, path)
	elapsed := time.Since(start)
	if want.Format != "" {
		results = append(results, imageResult("format", elapsed, judgeImage(err, func() Verdict {
			if info.Format != want.Format {
				return Failf("expected format %s, got %s", want.Format, info.Format)
			}
			return Pass()
		})))
	}
	if want.VirtualSize != 0 {
		results = append(results, imageResult("virtual_size", elapsed, judgeImage(err, func() Verdict {
			if info.VirtualSize != want.VirtualSize {
				return Failf("expected virtual size %s, got %s", formatSize(want.VirtualSize), formatSize(info.VirtualSize))
			}
			return Pass()
		})))
	}
	return results
}

func (c ImageChecker) run(ctx context.Context, args ...string) (ExecResult, error) {
	run, bin := c.Run, c.QemuImg
	if run == nil {
		run = RunHostCommand
	}
	if bin == "" {
		bin = "qemu-img"
	}
	return run(ctx, bin, args...)
}

// qemuImgCheck is the part of `qemu-img check --output=json` we judge by.
type qemuImgCheck struct {
	Format      string `json:"format"`
	CheckErrors int    `json:"check-errors"`
	Corruptions int    `json:"corruptions"`
	Leaks       int    `json:"leaks"`
}

// qemu-img check exit statuses (see qemu-img(1)).
const (
	qemuCheckCorrupt     = 2
	qemuCheckLeaks       = 3
	qemuCheckUnsupported = 63
)

func (c ImageChecker) integrity(ctx context.Context, path string) Verdict {
	res, err := c.run(ctx, "check", "--output=json", path)
	if err != nil {
		return Errorf("qemu-img check: %v", err)
	}
	return judgeImageCheck(res)
}

func judgeImageCheck(res ExecResult) Verdict {
	if res.ExitStatus == qemuCheckUnsupported {
		return Skipf("the image format does not support consistency checks")
	}
	var report qemuImgCheck
	if err := json.Unmarshal([]byte(res.Stdout), &report); err != nil {
		return Errorf("qemu-img check exited %d: %s", res.ExitStatus, orWord(firstLine(res.Stderr), "no JSON output"))
	}
	switch {
	case report.Corruptions > 0 || res.ExitStatus == qemuCheckCorrupt:
		return Failf("expected a clean image, got %d corruptions", report.Corruptions)
	case report.Leaks > 0 || res.ExitStatus == qemuCheckLeaks:
		return Failf("expected a clean image, got %d leaked clusters", report.Leaks)
	case report.CheckErrors > 0 || res.ExitStatus != 0:
		return Errorf("qemu-img check could not complete: %d check errors (exit %d)", report.CheckErrors, res.ExitStatus)
	}
	return Pass()
}

// qemuImgInfo is the part of `qemu-img info --output=json` we judge by.
type qemuImgInfo struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual-size"`
}

func (c ImageChecker) info(ctx context.Context, path string) (qemuImgInfo, error) {
	var info qemuImgInfo
	res, err := c.run(ctx, "info", "--output=json", path)
	if err != nil {
		return info, fmt.Errorf("qemu-img info: %w", err)
	}
	if res.ExitStatus != 0 {
		return info, fmt.Errorf("qemu-img info exited %d: %s", res.ExitStatus, firstLine(res.Stderr))
	}
	if err := json.Unmarshal([]byte(res.Stdout), &info); err != nil {
		return info, fmt.Errorf("qemu-img info: parse output: %w", err)
	}
	return info, nil
}

// judgeImage reports a failed qemu-img info as an error for every aspect
// that needed it, and judges the aspect otherwise.
func judgeImage(infoErr error, judge func() Verdict) Verdict {
	if infoErr != nil {
		return Errorf("%v", infoErr)
	}
	return judge()
}

func timed(name string, f func() Verdict) Result {
	start := time.Now()
	v := f()
	res := imageResult(name, time.Since(start), v)
	res.Started = start
	return res
}

func imageResult(name string, d time.Duration, v Verdict) Result {
	return Result{Type: imageType, Name: name, Status: v.Status, Message: v.Message, Duration: d, Attempts: 1}
}

// formatSize writes a byte count the way a spec author would, e.g. "20G".
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.suffix)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
