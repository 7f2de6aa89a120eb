package bootkeys

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzType: any boot command is parsed and typed or refused with an
// error, without a panic, and every key sent is a valid AT set 1 code.
func FuzzType(f *testing.F) {
	for _, seed := range []string{
		"<up><tab> text ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>",
		"<up>e<down><down><end> inst.text<leftCtrlOn>x<leftCtrlOff>",
		"<leftShiftOn>abc<leftShiftOff><f12><esc><bs><del>",
		"<spacebar>ÄÖü<return>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, command string) {
		// Typing sleeps for real: a <wait…> for its length (the SDK's
		// code; no key is sent) and every key for the interval, which the
		// timer rounds up to tens of microseconds. Long inputs and waits
		// made the fuzzer spend half a minute at a time sleeping ("0/sec")
		// without reaching any code that shorter inputs do not.
		if len(command) > 256 || strings.Contains(strings.ToLower(command), "<wait") {
			t.Skip("waits and commands over 256 bytes only sleep longer")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
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
