package imageformat

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// VHD disk types (the footer's "disk type" field).
const (
	VHDFixed   = 2
	VHDDynamic = 3
)

// VHDFooter is the 512-byte footer at the end of every VHD file (the
// "hard disk footer" of Microsoft's VHD specification).
type VHDFooter struct {
	// CurrentSize is the disk's virtual size in bytes; OriginalSize its
	// size when it was made.
	CurrentSize, OriginalSize uint64
	DiskType                  uint32
	// DataOffset is where a dynamic disk's header is; all ones on a
	// fixed disk.
	DataOffset uint64
}

const vhdFooterSize = 512

// ReadVHDFooter reads and checks the footer at the end of the file at
// path: the "conectix" cookie and the footer's checksum.
func ReadVHDFooter(path string) (VHDFooter, error) {
	f, err := os.Open(path)
	if err != nil {
		return VHDFooter{}, fmt.Errorf("read VHD footer: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return VHDFooter{}, fmt.Errorf("read VHD footer: %w", err)
	}
	if fi.Size() < vhdFooterSize {
		return VHDFooter{}, fmt.Errorf("read VHD footer of %s: the file is %d bytes, shorter than a footer", path, fi.Size())
	}
	buf := make([]byte, vhdFooterSize)
	if _, err := f.ReadAt(buf, fi.Size()-vhdFooterSize); err != nil && err != io.EOF {
		return VHDFooter{}, fmt.Errorf("read VHD footer of %s: %w", path, err)
	}
	return parseVHDFooter(buf)
}

func parseVHDFooter(b []byte) (VHDFooter, error) {
	if !bytes.Equal(b[0:8], []byte("conectix")) {
		return VHDFooter{}, fmt.Errorf("no VHD footer: the last 512 bytes do not start with \"conectix\"")
	}
	be := binary.BigEndian
	if want, got := vhdChecksum(b), be.Uint32(b[64:68]); want != got {
		return VHDFooter{}, fmt.Errorf("VHD footer checksum is %#08x, its bytes sum to %#08x: the footer is damaged", got, want)
	}
	return VHDFooter{
		DataOffset:   be.Uint64(b[16:24]),
		OriginalSize: be.Uint64(b[40:48]),
		CurrentSize:  be.Uint64(b[48:56]),
		DiskType:     be.Uint32(b[60:64]),
	}, nil
}

// vhdChecksum is the ones' complement of the sum of the footer's bytes,
// its own checksum field left out.
func vhdChecksum(b []byte) uint32 {
	var sum uint32
	for i, c := range b[:vhdFooterSize] {
		if i >= 64 && i < 68 {
			continue
		}
		sum += uint32(c)
	}
	return ^sum
}

// CheckAzureVHD applies Azure's rules for an uploaded disk to a VHD file
// of fileSize bytes with footer f: a fixed VHD (the disk's bytes, then the
// footer), whose virtual size is a whole number of MiB.
func CheckAzureVHD(f VHDFooter, fileSize int64) error {
	switch {
	case f.DiskType != VHDFixed:
		return fmt.Errorf("the VHD is of disk type %d, not fixed (%d): Azure takes fixed VHDs only", f.DiskType, VHDFixed)
	case f.CurrentSize%uint64(sizes.MiB) != 0:
		return fmt.Errorf("the VHD's virtual size %d is not a whole number of MiB, which Azure requires", f.CurrentSize)
	case uint64(fileSize) != f.CurrentSize+vhdFooterSize:
		return fmt.Errorf("the fixed VHD is %d bytes, want its virtual size %d plus the %d-byte footer", fileSize, f.CurrentSize, vhdFooterSize)
	}
	return nil
}

// RoundUp rounds size up to a whole number of unit bytes (MiB for Azure,
// GiB for Google Compute Engine).
func RoundUp(size, unit int64) int64 {
	return (size + unit - 1) / unit * unit
}
