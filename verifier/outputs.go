package verifier

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// outputType is the check type the comparisons of a build's outputs
// report under.
const outputType = "output"

// Output is a file a build wrote for another target, which must hold the
// verified disk.
type Output struct {
	Path string
	// Format is the build's name for it: vmdk, vhd, gce, ova,
	// containerdisk, …
	Format string
	// SHA256 is the file's checksum as the build recorded it; empty when
	// unknown.
	SHA256 string
	// ImageDigest is a containerdisk's image digest as the build recorded
	// (and pushed) it; empty when unknown.
	ImageDigest string
}

// OutputChecker proves a build's outputs hold the same disk as the image
// that was verified.
type OutputChecker struct {
	// Scratch is a private directory archives are unpacked into.
	Scratch string
	// Parallel bounds how many outputs are compared at once; below 1 it
	// is the number of CPU cores.
	Parallel int
}

// Check compares every output with the image at path (qcow2 or raw) and
// returns one result per output, named by its file name: it passes when
// the file is the one the build recorded (sha256, and a containerdisk's
// image digest) and, unpacked where it is an archive, holds the same disk
// as qemu-img compare sees it.
func (c OutputChecker) Check(ctx context.Context, image, format string, outputs []Output) []Result {
	parallel := c.Parallel
	if parallel < 1 {
		parallel = runtime.NumCPU()
	}
	results := make([]Result, len(outputs))
	var g errgroup.Group
	g.SetLimit(parallel)
	for i, o := range outputs {
		g.Go(func() error {
			dir := filepath.Join(c.Scratch, "compare-"+strconv.Itoa(i))
			defer os.RemoveAll(dir)
			start := time.Now()
			v := c.compare(ctx, image, format, o, dir)
			results[i] = Result{Type: outputType, Name: filepath.Base(o.Path), Description: o.Format + " output",
				Status: v.Status, Message: v.Message, Duration: time.Since(start), Attempts: 1, Started: start}
			return nil
		})
	}
	g.Wait()
	return results
}

func (c OutputChecker) compare(ctx context.Context, image, format string, o Output, dir string) Verdict {
	if o.SHA256 != "" {
		sum, _, err := ctxio.SHA256File(ctx, o.Path)
		if err != nil {
			return Errorf("%v", err)
		}
		if sum != o.SHA256 {
			return Failf("sha256 %s, the build recorded %s: the file changed after the build", sum, o.SHA256)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Errorf("%v", err)
	}
	disk, err := imageformat.OpenDisk(ctx, o.Path, o.Format, dir)
	if err != nil {
		return Failf("%v", err)
	}
	if o.ImageDigest != "" && disk.ImageDigest != o.ImageDigest {
		return Failf("the archive holds image %s, the build recorded (and pushed) %s", disk.ImageDigest, o.ImageDigest)
	}
	diff, err := qemuimg.Compare(ctx, image, format, disk.Path, disk.Format)
	switch {
	case err != nil:
		return Errorf("%v", err)
	case diff != "":
		return Failf("holds another disk than %s: %s", filepath.Base(image), diff)
	}
	return Verdict{Status: StatusPass, Message: fmt.Sprintf("the same disk as %s (qemu-img compare)", filepath.Base(image))}
}

// OutputsDifferError says which outputs do not hold the verified disk.
type OutputsDifferError struct {
	// Failed are the results of the outputs that failed.
	Failed []Result
}

func (e *OutputsDifferError) Error() string {
	var parts []string
	for _, r := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s: %s", r.Name, r.Message))
	}
	return "outputs do not hold the verified disk: " + strings.Join(parts, "; ")
}

// OutputsErr is an *OutputsDifferError naming every output result that
// did not pass, or nil.
func OutputsErr(results []Result) error {
	var failed []Result
	for _, r := range results {
		if r.Status != StatusPass {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &OutputsDifferError{Failed: failed}
}
