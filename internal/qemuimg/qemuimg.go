// Package qemuimg runs qemu-img for the disk work of a build: inspecting the
// source image, layering the working disk over it and exporting the result.
package qemuimg

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// Info is what qemu-img reports about an image.
type Info struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual-size"`
	ActualSize  int64  `json:"actual-size"`
	BackingFile string `json:"backing-filename"`
}

// Binary is the qemu-img executable; tests may point it elsewhere.
var Binary = "qemu-img"

func run(ctx context.Context, what string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, Binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return nil, fmt.Errorf("%s: %s %s: %w: %s", what, Binary, strings.Join(args, " "), err, msg)
	}
	return stdout.Bytes(), nil
}

// ReadInfo inspects an image. The format is probed, which is safe here
// because the caller has verified the file's checksum.
func ReadInfo(ctx context.Context, path string) (Info, error) {
	out, err := run(ctx, "inspect image "+path, "info", "--output=json", "-U", path)
	if err != nil {
		return Info{}, err
	}
	var info Info
	if err := json.Unmarshal(out, &info); err != nil {
		return Info{}, fmt.Errorf("parse qemu-img info of %s: %w", path, err)
	}
	return info, nil
}

// CreateOverlay creates a qcow2 at path whose reads fall through to the
// backing image, so the backing file is never written. size (bytes) grows
// the virtual disk; 0 keeps the backing image's size.
func CreateOverlay(ctx context.Context, path, backing, backingFormat string, size int64) error {
	args := []string{"create", "-q", "-f", "qcow2", "-b", backing, "-F", backingFormat, path}
	if size > 0 {
		args = append(args, strconv.FormatInt(size, 10))
	}
	_, err := run(ctx, "create working disk over "+backing, args...)
	return err
}

// CreateBlank creates an empty qcow2 of size bytes at path, for an
// installer to install onto.
func CreateBlank(ctx context.Context, path string, size int64) error {
	_, err := run(ctx, "create empty disk "+path, "create", "-q", "-f", "qcow2", path, strconv.FormatInt(size, 10))
	return err
}

// Compression choices for a qcow2 export.
const (
	CompressionNone = "none"
	CompressionZstd = "zstd"
	CompressionZlib = "zlib"
)

// Convert writes src, flattened (no backing file), to dst in format. qcow2
// can be compressed; zlib is what qemu older than 5.1 (CentOS 7 hosts) can
// read.
func Convert(ctx context.Context, src, dst, format, compression string) error {
	c := Conversion{Src: src, Dst: dst, Format: format}
	if format == "qcow2" && compression != "" && compression != CompressionNone {
		c.Compress = true
		c.Options = []string{"compression_type=" + compression}
	}
	return c.Run(ctx)
}

// Conversion is one qemu-img convert: Src, flattened, written to Dst in
// Format.
type Conversion struct {
	Src string
	// SrcFormat is what Src holds; empty lets qemu-img probe, which is
	// safe only for files the build made or checked itself.
	SrcFormat   string
	Dst, Format string
	// Options are the target format's -o options ("subformat=fixed").
	Options []string
	// Compress writes compressed clusters (qcow2 and vmdk).
	Compress bool
	// Progress, if set, hears the fraction done (0 to 1) as qemu-img
	// reports it.
	Progress func(done float64)
}

// Run converts. Out-of-order writes with 16 coroutines keep it fast.
func (c Conversion) Run(ctx context.Context) error {
	args := []string{"convert", "-W", "-m", "16"}
	if c.SrcFormat != "" {
		args = append(args, "-f", c.SrcFormat)
	}
	args = append(args, "-O", c.Format)
	if c.Compress {
		args = append(args, "-c")
	}
	if len(c.Options) > 0 {
		args = append(args, "-o", strings.Join(c.Options, ","))
	}
	what := "export " + c.Src + " to " + c.Dst
	if c.Progress == nil {
		args = append(args, "-q", c.Src, c.Dst)
		_, err := run(ctx, what, args...)
		return err
	}
	args = append(args, "-p", c.Src, c.Dst)
	return runWithProgress(ctx, what, c.Progress, args...)
}

// runWithProgress runs qemu-img with -p, whose progress lines
// ("    (12.34/100%)" ended by a carriage return) go to report.
func runWithProgress(ctx context.Context, what string, report func(float64), args ...string) error {
	cmd := exec.CommandContext(ctx, Binary, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Split(splitProgress)
	for sc.Scan() {
		if done, ok := parseProgress(sc.Text()); ok {
			report(done)
		}
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		return fmt.Errorf("%s: %s %s: %w: %s", what, Binary, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// splitProgress splits qemu-img's progress output at carriage returns
// and newlines.
func splitProgress(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// parseProgress reads one "(12.34/100%)" progress line.
func parseProgress(line string) (float64, bool) {
	line = strings.TrimSpace(line)
	pct, ok := strings.CutPrefix(line, "(")
	if !ok {
		return 0, false
	}
	pct, _, ok = strings.Cut(pct, "/100%)")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(pct, 64)
	if err != nil {
		return 0, false
	}
	return v / 100, true
}

// Compare tells whether images a and b (in the formats given) hold the
// same disk. An area one has beyond the other's end must read as zeros:
// a disk padded to a target's size unit is still the same disk. It
// returns qemu-img's description of the first difference, or "" when
// they are the same.
func Compare(ctx context.Context, a, aFormat, b, bFormat string) (string, error) {
	args := []string{"compare", "-f", aFormat, "-F", bFormat, a, b}
	cmd := exec.CommandContext(ctx, Binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "", nil
	case ctx.Err() != nil:
		return "", fmt.Errorf("compare %s with %s: %w", a, b, ctx.Err())
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		// Exit status 1 is "the images differ"; 2 and 3 are errors.
		return difference(stdout.String()), nil
	}
	return "", fmt.Errorf("compare %s with %s: %s %s: %w: %s", a, b, Binary, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()+" "+stdout.String()))
}

// difference is what qemu-img compare said of two differing images,
// without its warning that their sizes differ (which alone is no
// difference).
func difference(out string) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "Warning: Image size mismatch") {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, " ")
}
