package imageformat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// Source is the flattened disk every output is written from.
type Source struct {
	Path string
	// Format is what qemu-img reads it as.
	Format string
	// VirtualSize is the disk's size in bytes.
	VirtualSize int64
}

// Output is one file to write from a Source.
type Output struct {
	Format string
	Path   string
	// Compression of the qcow2 a qcow2 or containerdisk output is or
	// holds: zstd, zlib or none.
	Compression string
	// Name names the image inside archives: the OVA's virtual machine and
	// its files, the containerDisk's disk file.
	Name string
	// Machine is the virtual machine an OVA describes.
	Machine Machine
	// Reference names a containerDisk's image in its archive: a tag, or a
	// repository with a tag.
	Reference string
}

// Options tune WriteAll.
type Options struct {
	// Parallel bounds how many outputs are written at once; below 1 it is
	// the number of CPU cores.
	Parallel int
	// Scratch is a private directory for intermediate files, which are
	// removed as soon as their output is written. A containerDisk keeps
	// its image layout there until the caller removes Scratch, so that
	// it can be pushed.
	Scratch string
	// Report hears a progress line for every output that takes longer
	// than ProgressAfter, then every ProgressEvery until it is written.
	Report func(line string)
}

// Written is an output as written.
type Written struct {
	Output
	SHA256 string
	// Size is the file's size in bytes.
	Size int64
	// VirtualSize is the size of the disk the target sees: the source's,
	// rounded up where the target wants whole MiB or GiB.
	VirtualSize int64
	Took        time.Duration
	// image is a containerDisk's image, for Push.
	image *ociImage
}

// WriteAll writes every output from src, at most opt.Parallel at once,
// each streaming from src without holding an image in memory. An OVA
// takes the streamOptimized VMDK of a vmdk output and a containerDisk the
// qcow2 of a qcow2 output of its compression, when there is one, rather
// than convert the disk again. The slowest outputs start first, so that
// the quick ones fill the other cores. On any failure — or when ctx ends
// — it stops the others, removes every output file, finished or partial,
// and tells which output failed and why.
func WriteAll(ctx context.Context, src Source, outputs []Output, opt Options) ([]Written, error) {
	parallel := opt.Parallel
	if parallel < 1 {
		parallel = runtime.NumCPU()
	}
	report := opt.Report
	if report == nil {
		report = func(string) {}
	}
	jobs := make([]*job, len(outputs))
	for i, out := range outputs {
		jobs[i] = &job{src: src, out: out, scratch: filepath.Join(opt.Scratch, strconv.Itoa(i)+"-"+out.Format), done: make(chan struct{})}
	}
	for _, j := range jobs {
		j.reuse = sibling(j, jobs)
	}
	written := make([]Written, len(outputs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	// A job waiting for its sibling holds a slot: the siblings are
	// started before every job that waits.
	for _, i := range startOrder(jobs) {
		j := jobs[i]
		g.Go(func() error {
			w, err := writeOne(gctx, j, report)
			if err != nil {
				return fmt.Errorf("write the %s output %s: %w", j.out.Format, j.out.Path, err)
			}
			written[i] = w
			close(j.done)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		for _, out := range outputs {
			os.Remove(out.Path)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("export: %w", ctx.Err())
		}
		return nil, err
	}
	return written, nil
}

// sibling is the output whose file j's archive can hold as it is: an
// OVA's streamOptimized VMDK, a containerDisk's qcow2 of the same
// compression.
func sibling(j *job, jobs []*job) *job {
	for _, other := range jobs {
		switch {
		case j.out.Format == "ova" && other.out.Format == "vmdk",
			j.out.Format == "containerdisk" && other.out.Format == "qcow2" && other.out.Compression == j.out.Compression:
			return other
		}
	}
	return nil
}

// startOrder is the order jobs start in: those that take a sibling's
// file last, the others slowest first.
func startOrder(jobs []*job) []int {
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	cost := func(j *job) int {
		if j.reuse != nil {
			return -1
		}
		f, _ := Lookup(j.out.Format)
		return f.cost
	}
	sort.SliceStable(order, func(a, b int) bool { return cost(jobs[order[a]]) > cost(jobs[order[b]]) })
	return order
}

// writer writes one format: it reads j.src and writes j.out.Path, with
// intermediate files in j.scratch, and returns the virtual size the
// target sees.
type writer func(ctx context.Context, j *job) (int64, error)

var writers = map[string]writer{
	"qcow2":         writeQcow2,
	"raw":           writeRaw,
	"vmdk":          writeVMDK,
	"vhd":           writeVHD,
	"vhdx":          writeVHDX,
	"gce":           writeGCE,
	"ova":           writeOVA,
	"containerdisk": writeContainerDisk,
}

// job is one output being written.
type job struct {
	src     Source
	out     Output
	scratch string
	*Progress
	// reuse is the job whose file this one's archive holds as it is; done
	// is closed when this job's file is written.
	reuse *job
	done  chan struct{}
	// image is what a containerDisk writer built.
	image *ociImage
}

// reused waits for the sibling job's file and returns its path; "" when
// there is none.
func (j *job) reused(ctx context.Context) (string, error) {
	if j.reuse == nil {
		return "", nil
	}
	select {
	case <-j.reuse.done:
		return j.reuse.out.Path, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// stage reports the progress of a stage that is the part from..to of
// the whole job.
func (j *job) stage(from, to float64) func(float64) {
	return func(f float64) { j.Set(from + f*(to-from)) }
}

func writeOne(ctx context.Context, j *job, report func(string)) (Written, error) {
	write, ok := writers[j.out.Format]
	if !ok {
		return Written{}, fmt.Errorf("unknown format %q", j.out.Format)
	}
	if err := os.MkdirAll(j.scratch, 0o700); err != nil {
		return Written{}, err
	}
	start := time.Now()
	j.Progress = StartProgress(fmt.Sprintf("Writing %s (%s)", filepath.Base(j.out.Path), j.out.Format), report)
	virtual, err := write(ctx, j)
	j.Stop()
	if err != nil {
		return Written{}, err
	}
	sum, size, err := ctxio.SHA256File(ctx, j.out.Path)
	if err != nil {
		return Written{}, err
	}
	if j.image == nil {
		// Intermediate files go at once: the disk is shared with the
		// other outputs still being written.
		os.RemoveAll(j.scratch)
	}
	return Written{Output: j.out, SHA256: sum, Size: size, VirtualSize: virtual, Took: time.Since(start), image: j.image}, nil
}

// convert writes src, flattened, into dst in format with options.
func convert(ctx context.Context, src Source, dst, format string, compress bool, progress func(float64), options ...string) error {
	return qemuimg.Conversion{
		Src: src.Path, SrcFormat: src.Format, Dst: dst, Format: format,
		Compress: compress, Options: options, Progress: progress,
	}.Run(ctx)
}

func writeQcow2(ctx context.Context, j *job) (int64, error) {
	return j.src.VirtualSize, j.qcow2(ctx, j.out.Path, j.Set)
}

// qcow2 writes the source as a qcow2 with the output's compression.
func (j *job) qcow2(ctx context.Context, dst string, progress func(float64)) error {
	if c := j.out.Compression; c != "" && c != qemuimg.CompressionNone {
		return convert(ctx, j.src, dst, "qcow2", true, progress, "compression_type="+c)
	}
	return convert(ctx, j.src, dst, "qcow2", false, progress)
}

func writeRaw(ctx context.Context, j *job) (int64, error) {
	return j.src.VirtualSize, convert(ctx, j.src, j.out.Path, "raw", false, j.Set)
}

// writeVMDK writes a streamOptimized VMDK: the subformat vSphere's
// "deploy" and AWS VM Import take (monolithic, deflate-compressed
// grains, written front to back).
func writeVMDK(ctx context.Context, j *job) (int64, error) {
	return j.src.VirtualSize, j.vmdk(ctx, j.out.Path, j.Set)
}

func (j *job) vmdk(ctx context.Context, dst string, progress func(float64)) error {
	return convert(ctx, j.src, dst, "vmdk", false, progress, "subformat=streamOptimized", "adapter_type=lsilogic")
}

// writeVHDX writes a dynamic VHDX, the format Hyper-V makes new disks in.
func writeVHDX(ctx context.Context, j *job) (int64, error) {
	return j.src.VirtualSize, convert(ctx, j.src, j.out.Path, "vhdx", false, j.Set, "subformat=dynamic")
}

// writeVHD writes Azure's VHD: fixed, its virtual size a whole number of
// MiB — the source is padded with zeros up to the next MiB first — and
// its footer's size is checked against those rules afterwards. force_size
// makes qemu-img record the size itself rather than the nearest
// cylinder/head/sector geometry, which is rarely whole MiB.
func writeVHD(ctx context.Context, j *job) (int64, error) {
	src, err := j.padded(ctx, sizes.MiB)
	if err != nil {
		return 0, err
	}
	if err := convert(ctx, src, j.out.Path, "vpc", false, j.Set, "subformat=fixed", "force_size=on"); err != nil {
		return 0, err
	}
	footer, err := ReadVHDFooter(j.out.Path)
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(j.out.Path)
	if err != nil {
		return 0, err
	}
	if err := CheckAzureVHD(footer, fi.Size()); err != nil {
		return 0, fmt.Errorf("qemu-img wrote a VHD Azure would refuse: %w", err)
	}
	return src.VirtualSize, nil
}

// padded is the source, as it is when its size is already a whole number
// of unit bytes, else a qcow2 overlay over it whose size is rounded up to
// one: the added end reads as zeros.
func (j *job) padded(ctx context.Context, unit int64) (Source, error) {
	size := RoundUp(j.src.VirtualSize, unit)
	if size == j.src.VirtualSize {
		return j.src, nil
	}
	overlay := filepath.Join(j.scratch, "padded.qcow2")
	if err := qemuimg.CreateOverlay(ctx, overlay, j.src.Path, j.src.Format, size); err != nil {
		return Source{}, err
	}
	return Source{Path: overlay, Format: "qcow2", VirtualSize: size}, nil
}

// writeGCE writes Google Compute Engine's import archive: the disk as
// raw bytes, padded to a whole number of GiB, in a gzip'd GNU tar as its
// only file, disk.raw.
func writeGCE(ctx context.Context, j *job) (int64, error) {
	src, err := j.padded(ctx, gceUnit)
	if err != nil {
		return 0, err
	}
	raw := filepath.Join(j.scratch, GCEDiskName)
	// A raw file is sparse: only the disk's data takes room.
	if err := convert(ctx, src, raw, "raw", false, j.stage(0, 0.3)); err != nil {
		return 0, err
	}
	err = writeFile(j.out.Path, func(f *os.File) error {
		return writeDiskArchive(ctx, raw, gceUnit, f, j.stage(0.3, 1))
	})
	return src.VirtualSize, err
}

// writeFile creates path and fills it with write; a failed write leaves
// no file.
func writeFile(path string, write func(*os.File) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
