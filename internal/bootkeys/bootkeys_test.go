package bootkeys

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func typed(t *testing.T, command string) [][]uint {
	t.Helper()
	var got [][]uint
	err := Type(context.Background(), command, 1, func(codes []uint) error {
		got = append(got, append([]uint(nil), codes...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestType(t *testing.T) {
	tests := []struct {
		command string
		want    [][]uint
	}{
		// the seed's CentOS 7 isolinux command, shortened
		{"<up><tab> ks<enter>", [][]uint{{0xe048}, {0x0f}, {0x39}, {0x25}, {0x1f}, {0x1c}}},
		// upper case and shifted characters are typed with shift held
		{"A:", [][]uint{{0x2a, 0x1e}, {0x2a, 0x27}}},
		// Stream 10's GRUB edit: e, down twice, end, then Ctrl-X
		{"e<down><down><end><leftCtrlOn>x<leftCtrlOff>", [][]uint{{0x12}, {0xe050}, {0xe050}, {0xe04f}, {0x1d, 0x2d}}},
		// after the modifier is let go, keys are plain again
		{"<leftCtrlOn>c<leftCtrlOff>c", [][]uint{{0x1d, 0x2e}, {0x2e}}},
		{"<f1><esc><spacebar>", [][]uint{{0x3b}, {0x01}, {0x39}}},
	}
	for _, tt := range tests {
		if got := typed(t, tt.command); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q typed %s, want %s", tt.command, hex(got), hex(tt.want))
		}
	}
}

func hex(keys [][]uint) string {
	s := ""
	for _, k := range keys {
		s += fmt.Sprintf("%x", k)
	}
	return s
}

func TestTypeErrors(t *testing.T) {
	sendErr := fmt.Errorf("domain is not running")
	err := Type(context.Background(), "x", 1, func([]uint) error { return sendErr })
	if err == nil || !errors.Is(err, sendErr) {
		t.Errorf("send error not passed on: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Type(ctx, "<wait10s>x", 1, func([]uint) error { return nil }); err == nil {
		t.Error("typing went on after cancellation")
	}
}
