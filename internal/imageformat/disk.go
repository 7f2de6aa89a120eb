package imageformat

import (
	"context"
	"fmt"
	"os"
)

// Disk is a disk image qemu-img reads.
type Disk struct {
	Path string
	// Format is qemu-img's name for it ("vpc" for a VHD).
	Format string
	// ImageDigest is the digest of a containerdisk's OCI image, the one
	// a registry names it by.
	ImageDigest string
}

// OpenDisk makes the disk an output of format at path holds readable by
// qemu-img: image formats are read in place; archives (gce, ova,
// containerdisk) are checked against their target's layout, their own
// checksums verified, and the disk in them unpacked into the private
// directory dir. The caller removes dir.
func OpenDisk(ctx context.Context, path, format, dir string) (Disk, error) {
	f, ok := Lookup(format)
	if !ok {
		return Disk{}, fmt.Errorf("open %s: unknown format %q", path, format)
	}
	if f.QemuFormat != "" {
		if _, err := os.Stat(path); err != nil {
			return Disk{}, fmt.Errorf("open %s: %w", path, err)
		}
		return Disk{Path: path, Format: f.QemuFormat}, nil
	}
	open := map[string]func(ctx context.Context, path, dir string) (Disk, error){
		"gce":           openGCE,
		"ova":           openOVA,
		"containerdisk": openContainerDisk,
	}[format]
	d, err := open(ctx, path, dir)
	if err != nil {
		return Disk{}, fmt.Errorf("open the %s output %s: %w", format, path, err)
	}
	return d, nil
}
