package imageformat

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// counting reports how much of total bytes have been read from r to
// progress, which may be nil.
func counting(r io.Reader, total int64, progress func(float64)) io.Reader {
	if progress == nil || total <= 0 {
		return r
	}
	return &countingReader{r: r, total: total, progress: progress}
}

type countingReader struct {
	r        io.Reader
	n, total int64
	progress func(float64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.progress(float64(c.n) / float64(c.total))
	return n, err
}

// copySparse copies size bytes from r into out, seeking over runs of
// zeros instead of writing them, so an unpacked disk takes only the room
// of its data.
func copySparse(out *os.File, r io.Reader, size int64) error {
	buf := make([]byte, 1<<20)
	var zero [1 << 20]byte
	var written int64
	for written < size {
		chunk := buf[:min(int64(len(buf)), size-written)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return fmt.Errorf("read after %d of %d bytes: %w", written, size, err)
		}
		if bytes.Equal(chunk, zero[:len(chunk)]) {
			if _, err := out.Seek(int64(len(chunk)), io.SeekCurrent); err != nil {
				return err
			}
		} else if _, err := out.Write(chunk); err != nil {
			return err
		}
		written += int64(len(chunk))
	}
	return out.Truncate(size)
}
