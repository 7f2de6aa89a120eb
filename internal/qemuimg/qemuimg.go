// Package qemuimg runs qemu-img for the disk work of a build: inspecting the
// source image, layering the working disk over it and exporting the result.
package qemuimg

import (
	"bytes"
	"context"
	"encoding/json"
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
// read. Out-of-order writes with 16 coroutines keep it fast.
func Convert(ctx context.Context, src, dst, format, compression string) error {
	args := []string{"convert", "-q", "-W", "-m", "16", "-O", format}
	if format == "qcow2" && compression != "" && compression != CompressionNone {
		args = append(args, "-c", "-o", "compression_type="+compression)
	}
	args = append(args, src, dst)
	_, err := run(ctx, "export "+src+" to "+dst, args...)
	return err
}
