package imageformat

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// GCEDiskName is the one file Google's image import reads from the
// archive.
const GCEDiskName = "disk.raw"

// gceUnit is what Google Compute Engine wants an imported disk's size a
// whole number of: GiB. Tests shrink it, to write small archives.
var gceUnit = sizes.GiB

// WriteGCEArchive streams the raw disk image at raw into w as Google
// Compute Engine's image-import archive: a gzip-compressed tar in GNU
// ("oldgnu") format holding exactly one file, disk.raw. The image's size
// must be a whole number of GiB (round it up with RoundUp first). It stops
// with ctx's error when ctx ends.
func WriteGCEArchive(ctx context.Context, raw string, w io.Writer) error {
	return writeDiskArchive(ctx, raw, gceUnit, w, nil)
}

func writeDiskArchive(ctx context.Context, raw string, unit int64, w io.Writer, progress func(float64)) error {
	f, err := os.Open(raw)
	if err != nil {
		return fmt.Errorf("write the GCE archive: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("write the GCE archive: %w", err)
	}
	if fi.Size() == 0 || fi.Size()%unit != 0 {
		return fmt.Errorf("write the GCE archive: %s is %d bytes, not a whole number of %d-byte units as Google Compute Engine requires", raw, fi.Size(), unit)
	}
	// Zeros are most of a disk: the fastest level compresses them as
	// well as the best one.
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	hdr := &tar.Header{
		Name:     GCEDiskName,
		Mode:     0o644,
		Size:     fi.Size(),
		ModTime:  fi.ModTime(),
		Typeflag: tar.TypeReg,
		Format:   tar.FormatGNU,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write the GCE archive: %w", err)
	}
	// The raw disk is sparse: its holes are not read.
	if _, err := io.CopyBuffer(tw, counting(ctxio.Reader(ctx, ctxio.SparseReader(f, fi.Size())), fi.Size(), progress), make([]byte, 1<<20)); err != nil {
		return fmt.Errorf("write the GCE archive: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write the GCE archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write the GCE archive: %w", err)
	}
	return nil
}

// openGCE checks that the archive at path is one Google's import takes —
// gzip, then a GNU tar holding only disk.raw, a whole number of GiB — and
// unpacks disk.raw into dir, sparse.
func openGCE(ctx context.Context, path, dir string) (Disk, error) {
	f, err := os.Open(path)
	if err != nil {
		return Disk{}, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(ctxio.Reader(ctx, f))
	if err != nil {
		return Disk{}, fmt.Errorf("not gzip-compressed: %w", err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil {
		return Disk{}, fmt.Errorf("read the tar archive: %w", err)
	}
	switch {
	case hdr.Name != GCEDiskName || hdr.Typeflag != tar.TypeReg:
		return Disk{}, fmt.Errorf("the archive's first entry is %q, not the file %s Google's import reads", hdr.Name, GCEDiskName)
	case hdr.Format != tar.FormatGNU:
		return Disk{}, fmt.Errorf("%s is in tar format %v, not GNU (oldgnu) as Google's import documents", GCEDiskName, hdr.Format)
	case hdr.Size == 0 || hdr.Size%gceUnit != 0:
		return Disk{}, fmt.Errorf("%s is %d bytes, not a whole number of %d-byte units as Google Compute Engine requires", GCEDiskName, hdr.Size, gceUnit)
	}
	disk := filepath.Join(dir, GCEDiskName)
	if err := writeFile(disk, func(out *os.File) error { return copySparse(out, tr, hdr.Size) }); err != nil {
		return Disk{}, fmt.Errorf("unpack %s: %w", GCEDiskName, err)
	}
	if next, err := tr.Next(); err != io.EOF {
		if err != nil {
			return Disk{}, fmt.Errorf("read the tar archive: %w", err)
		}
		return Disk{}, fmt.Errorf("the archive holds %q after %s: Google's import wants %s alone", next.Name, GCEDiskName, GCEDiskName)
	}
	return Disk{Path: disk, Format: "raw"}, nil
}
