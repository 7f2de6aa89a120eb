package ctxio

import (
	"bytes"
	"context"
	"errors"
	"io"
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
