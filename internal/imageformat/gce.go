package imageformat

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
)

// GiB is the unit Google Compute Engine wants an imported disk's size in.
const GiB = 1 << 30

// GCEDiskName is the one file Google's image import reads from the
// archive.
const GCEDiskName = "disk.raw"

// WriteGCEArchive streams the raw disk image at raw into w as Google
// Compute Engine's image-import archive: a gzip-compressed tar in GNU
// ("oldgnu") format holding exactly one file, disk.raw. The image's size
// must be a whole number of GiB (round it up with RoundUp first). It stops
// with ctx's error when ctx ends.
func WriteGCEArchive(ctx context.Context, raw string, w io.Writer) error {
	return writeDiskArchive(ctx, raw, GiB, w)
}

func writeDiskArchive(ctx context.Context, raw string, unit int64, w io.Writer) error {
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
	if _, err := io.Copy(tw, ctxio.Reader(ctx, f)); err != nil {
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
