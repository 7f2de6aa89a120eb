package imageformat

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// BenchmarkExport times writing a build's outputs from one flattened
// disk: the qcow2 alone (a build without export blocks), every format one
// after the other, and every format at once (one per core, as builds do).
// Each iteration runs the three in turn, so they share the machine's
// state; the medians and their ratios are reported as metrics:
//
//	go test -run '^$' -bench Export -benchtime 3x ./internal/imageformat
//
// The disk is PACKER_CENTOS_BENCH_IMAGE (a qcow2 or raw image, flattened
// first; the stand-in: $(go run ./internal/testworld/fixtures guest)),
// else a made-up 3 GiB disk with 400 MiB of data, half of it random.
func BenchmarkExport(b *testing.B) {
	requireQemuImgB(b)
	ctx := context.Background()
	src := benchSource(b)
	var all []string
	for _, f := range formats {
		all = append(all, f.Name)
	}
	variants := []struct {
		name     string
		formats  []string
		parallel int
	}{
		{"qcow2", []string{"qcow2"}, 1},
		{"sequential", all, 1},
		{"parallel", all, 0},
	}
	took := make([][]time.Duration, len(variants))
	for b.Loop() {
		for i, v := range variants {
			dir := b.TempDir()
			var outs []Output
			for _, name := range v.formats {
				f, _ := Lookup(name)
				outs = append(outs, Output{Format: name, Path: filepath.Join(dir, "bench"+f.Ext), Compression: "zstd", Name: "bench",
					Machine: Machine{CPUs: 2, MemoryMiB: 2048, Firmware: "bios"}})
			}
			start := time.Now()
			if _, err := WriteAll(ctx, src, outs, Options{Parallel: v.parallel, Scratch: b.TempDir()}); err != nil {
				b.Fatal(err)
			}
			took[i] = append(took[i], time.Since(start))
			os.RemoveAll(dir)
		}
	}
	medians := make([]float64, len(variants))
	for i, v := range variants {
		slices.Sort(took[i])
		medians[i] = took[i][len(took[i])/2].Seconds()
		b.ReportMetric(medians[i], v.name+"-s")
	}
	b.ReportMetric(medians[2]/medians[1], "parallel/sequential")
	b.ReportMetric(medians[2]/medians[0], "parallel/qcow2")
	b.ReportMetric(0, "ns/op")
}

func requireQemuImgB(b *testing.B) {
	if _, err := os.Stat("/usr/bin/qemu-img"); err != nil {
		b.Skip("qemu-img is not installed")
	}
}

// benchSource is the flattened disk the benchmark writes from.
func benchSource(b *testing.B) Source {
	ctx := context.Background()
	dir := b.TempDir()
	image := os.Getenv("PACKER_CENTOS_BENCH_IMAGE")
	if image == "" {
		image = filepath.Join(dir, "disk.raw")
		f, err := os.Create(image)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		chunk := make([]byte, sizes.MiB)
		for i := range int64(400) {
			for j := range chunk {
				if i%2 == 0 {
					chunk[j] = byte(rng.Uint32())
				} else {
					chunk[j] = "the quick brown fox jumps over the lazy dog\n"[j%44]
				}
			}
			// Spread over the disk, as files are.
			f.WriteAt(chunk, i*7*sizes.MiB)
		}
		f.Truncate(3 * sizes.GiB)
		f.Close()
	}
	flat := filepath.Join(dir, "flat.qcow2")
	if err := qemuimg.Convert(ctx, image, flat, "qcow2", qemuimg.CompressionNone); err != nil {
		b.Fatal(err)
	}
	info, err := qemuimg.ReadInfo(ctx, flat)
	if err != nil {
		b.Fatal(err)
	}
	return Source{Path: flat, Format: "qcow2", VirtualSize: info.VirtualSize}
}
