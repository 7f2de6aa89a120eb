// Package ctxio makes copies of data stop when their context ends: a
// reader or writer wrapped here fails with the context's error at its next
// call once the context is cancelled, so Ctrl-C ends a multi-GB transfer
// within one buffer.
package ctxio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Reader reads from r until ctx ends.
func Reader(ctx context.Context, r io.Reader) io.Reader { return reader{ctx, r} }

type reader struct {
	ctx context.Context
	r   io.Reader
}

func (c reader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Writer writes to w until ctx ends.
func Writer(ctx context.Context, w io.Writer) io.Writer { return writer{ctx, w} }

type writer struct {
	ctx context.Context
	w   io.Writer
}

func (c writer) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// SHA256File hashes the file at path and tells how many bytes it hashed.
// The holes of a sparse file (a raw disk is mostly holes) are hashed as
// the zeros they read as, without reading them. It stops, with ctx's
// error, when ctx ends: images are gigabytes.
func SHA256File(ctx context.Context, path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("checksum %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", 0, fmt.Errorf("checksum %s: %w", path, err)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, Reader(ctx, SparseReader(f, fi.Size())), make([]byte, 1<<20))
	if err != nil {
		return "", 0, fmt.Errorf("checksum %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// lseek's whence values that find a sparse file's data and holes.
const (
	seekData = 3
	seekHole = 4
)

// SparseReader reads the first size bytes of f front to back, returning
// the zeros of its holes without reading them.
func SparseReader(f *os.File, size int64) io.Reader { return &sparseReader{f: f, size: size} }

// sparseReader reads a file front to back, returning the zeros of its
// holes without reading them. It asks the file system where the current
// extent (data or hole) ends once per extent; a file system that cannot
// say reports the whole file as data.
type sparseReader struct {
	f         *os.File
	size, off int64
	// end is where the current extent ends; hole says it is a hole.
	end  int64
	hole bool
}

func (r *sparseReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.off >= r.end {
		r.extent()
	}
	n := int(min(int64(len(p)), r.end-r.off))
	if r.hole {
		clear(p[:n])
	} else {
		var err error
		if n, err = r.f.ReadAt(p[:n], r.off); err != nil && !(err == io.EOF && n > 0) {
			return n, err
		}
	}
	r.off += int64(n)
	return n, nil
}

// extent finds the extent at r.off.
func (r *sparseReader) extent() {
	data, err := r.f.Seek(r.off, seekData)
	switch {
	case err != nil:
		// ENXIO: no data from here on; anything else: read it all.
		r.end, r.hole = r.size, errors.Is(err, syscall.ENXIO)
	case data > r.off:
		r.end, r.hole = min(data, r.size), true
	default:
		hole, err := r.f.Seek(r.off, seekHole)
		if err != nil || hole <= r.off {
			hole = r.size
		}
		r.end, r.hole = min(hole, r.size), false
	}
}
