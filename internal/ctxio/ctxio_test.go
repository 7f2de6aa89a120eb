package ctxio

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCopyStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var dst bytes.Buffer
	// A source that cancels the copy after its first chunk, as Ctrl-C in
	// the middle of a transfer would.
	src := io.MultiReader(strings.NewReader("first"), readFunc(func([]byte) (int, error) {
		cancel()
		return 0, nil
	}), strings.NewReader("never read"))
	_, err := io.Copy(Writer(ctx, &dst), Reader(ctx, src))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("copy ended with %v, want context.Canceled", err)
	}
	if dst.String() != "first" {
		t.Errorf("copied %q, want only what came before the cancel", dst.String())
	}
}

func TestWriterRefusesAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var dst bytes.Buffer
	w := Writer(ctx, &dst)
	if _, err := w.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Write([]byte("b")); !errors.Is(err, context.Canceled) {
		t.Errorf("write after cancel: %v", err)
	}
	if dst.String() != "a" {
		t.Errorf("wrote %q", dst.String())
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

func TestSHA256File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "image")
	os.WriteFile(path, []byte("abc"), 0o644)
	sum, n, err := SHA256File(context.Background(), path)
	if err != nil || n != 3 || sum != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("SHA256File = %s, %d, %v", sum, n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := SHA256File(ctx, path); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled checksum ended with %v", err)
	}
}

// A sparse file hashes as its bytes read: data at the start, in the
// middle across a MiB boundary and at the end, holes between, a hole at
// the end too.
func TestSHA256FileOfSparseFiles(t *testing.T) {
	for _, tt := range []struct {
		name string
		data map[int64]string
		size int64
	}{
		{"all hole", nil, 8 << 20},
		{"data and holes", map[int64]string{0: "boot", 3<<20 - 2: "across", 5 << 20: "middle", 8<<20 - 3: "end"}, 8 << 20},
		{"hole at the end", map[int64]string{4096: "x"}, 16 << 20},
		{"small", map[int64]string{0: "abc"}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "disk.raw")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			for off, s := range tt.data {
				f.WriteAt([]byte(s), off)
			}
			f.Truncate(tt.size)
			f.Close()
			content, _ := os.ReadFile(path)
			want := sha256.Sum256(content)
			sum, n, err := SHA256File(context.Background(), path)
			if err != nil || n != tt.size || sum != hex.EncodeToString(want[:]) {
				t.Errorf("SHA256File = %s, %d, %v; want %x, %d", sum, n, err, want, tt.size)
			}
		})
	}
}
