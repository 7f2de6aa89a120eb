// Command centos-verify boots any qcow2 or raw image exactly as the
// centos-verify post-processor does, checks it against a spec and writes
// the same reports, without a Packer template:
//
//	centos-verify [flags] IMAGE
//
// With --outputs SHA256SUMS it first proves the build's other outputs
// hold the same disk. It exits 0 when every check passed, 1 when a check
// failed or an output differs, and 2 on bad usage or when the image could
// not be verified at all (it did not boot, libvirt was unreachable, the
// run was interrupted). Ctrl-C stops the guest and removes everything the
// run made.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
	"github.com/packer-centos/packer-plugin-centos/post-processor/verify"
	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/version"
)

// logEnv, when set, sends the debug log (libvirt calls, domain XML) to
// stderr, as PACKER_LOG does for the plugin.
const logEnv = "CENTOS_VERIFY_LOG"

// Exit statuses.
const (
	exitPassed   = 0
	exitFailed   = 1
	exitUnusable = 2
)

func main() {
	// The SDK's UI also logs every line; that log is for debugging, and
	// goes through the SDK's filter of secrets (the SSH password).
	if os.Getenv(logEnv) == "" {
		log.SetOutput(io.Discard)
	} else {
		packersdk.LogSecretFilter.SetOutput(os.Stderr)
		log.SetOutput(&packersdk.LogSecretFilter)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("centos-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	options := verify.RegisterCommandFlags(fs)
	buildTimings := fs.String("build-timings", "", "the build's phase timings `FILE`, for the HTML report's timeline (default: "+timeline.FileName+" beside IMAGE, when there is one)")
	outputs := fs.String("outputs", "", "the build's checksum `FILE` (SHA256SUMS): every other output it lists must have its sha256 and hold IMAGE's disk (qemu-img compare; formats from the file names), before IMAGE boots")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: centos-verify [flags] IMAGE\n\n"+
			"Boots IMAGE (qcow2 or raw) on a throwaway overlay under libvirt, exactly as the\n"+
			"centos-verify post-processor does, runs the built-in checks and those of --spec,\n"+
			"and writes the reports asked for. The image is only read.\n\n"+
			"With --outputs, the build's other outputs are first proven to hold the same disk.\n\n"+
			"Exit status: 0 every check passed, 1 a check failed or an output differs, 2 bad\n"+
			"usage or the image could not be verified (did not boot, libvirt unreachable,\n"+
			"interrupted).\n"+
			"CENTOS_VERIFY_LOG=1 writes the debug log to stderr.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPassed
		}
		return exitUnusable
	}
	if *showVersion {
		fmt.Fprintln(stdout, "centos-verify", version.PluginVersion.FormattedVersion())
		return exitPassed
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "centos-verify: want exactly one IMAGE, got %d arguments\n", fs.NArg())
		fs.Usage()
		return exitUnusable
	}
	// Every mistake at once: the flags', the image's and the options'.
	var errs []error
	opts, err := options()
	errs = append(errs, err)
	image, err := openImage(ctx, fs.Arg(0), *buildTimings, opts.CentOSVersion)
	errs = append(errs, err)
	if *outputs != "" && image != nil {
		image.outputs, err = readOutputs(*outputs, image.path)
		errs = append(errs, err)
	}
	var pp verify.PostProcessor
	errs = append(errs, pp.Configure(opts.Config))
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "centos-verify: %v\n", err)
		return exitUnusable
	}
	ui := &packersdk.BasicUi{Reader: os.Stdin, Writer: stdout, ErrorWriter: stderr, PB: &packersdk.NoopProgressTracker{}}
	_, _, _, err = pp.PostProcess(ctx, ui, image)
	var failed *verifier.ChecksFailedError
	var differ *verifier.OutputsDifferError
	switch {
	case err == nil:
		return exitPassed
	case errors.As(err, &failed), errors.As(err, &differ):
		fmt.Fprintf(stderr, "centos-verify: %v\n", err)
		return exitFailed
	default:
		fmt.Fprintf(stderr, "centos-verify: %v\n", err)
		return exitUnusable
	}
}

// openImage checks that path is a qcow2 or raw image and finds the
// build's timings beside it.
func openImage(ctx context.Context, path, timings, centosVersion string) (*imageArtifact, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	info, err := qemuimg.ReadInfo(ctx, abs)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	if info.Format != "qcow2" && info.Format != "raw" {
		return nil, fmt.Errorf("image %s is %s; centos-verify boots qcow2 and raw images", path, info.Format)
	}
	a := &imageArtifact{path: abs, format: info.Format, centosVersion: centosVersion}
	explicit := timings != ""
	if !explicit {
		timings = filepath.Join(filepath.Dir(abs), timeline.FileName)
	}
	data, err := os.ReadFile(timings)
	switch {
	case err == nil:
		a.timings = string(data)
	case explicit || !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("build timings: %w", err)
	}
	return a, nil
}
