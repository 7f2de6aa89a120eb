// Package bootkeys types a Packer boot command into a libvirt guest
// without VNC: the SDK parses the command and turns it into PC-XT
// scancodes, and this package turns those into libvirt send-key calls
// (virDomainSendKey with the AT set 1 codeset), holding modifiers down
// across the keys they modify.
package bootkeys

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/bootcommand"
)

// SendFunc presses the keys in codes together and releases them; codes
// are AT set 1 keycodes, extended keys as 0xe0XX.
type SendFunc func(codes []uint) error

// chunkSize is how many scancodes the SDK hands over at a time; at most
// one key with its shift press and release, so each key is followed by
// the key interval.
const chunkSize = 4

// Type types command, which is already interpolated, pausing interval
// after each key (0: the SDK's default of 100 ms, or PACKER_KEY_INTERVAL).
func Type(ctx context.Context, command string, interval time.Duration, send SendFunc) error {
	seq, err := bootcommand.GenerateExpressionSequence(command)
	if err != nil {
		return fmt.Errorf("parse boot command: %w", err)
	}
	t := &translator{send: send}
	driver := bootcommand.NewPCXTDriver(t.scancodes, chunkSize, interval)
	if err := seq.Do(ctx, driver); err != nil {
		return fmt.Errorf("type boot command: %w", err)
	}
	return nil
}

// translator turns a stream of PC-XT make and break codes into key
// presses: a make code of a modifier holds it, its break code lets go;
// any other make code is sent together with the held modifiers.
type translator struct {
	send     SendFunc
	held     []uint
	extended bool
}

// modifiers are the AT set 1 codes of shift, ctrl, alt and super.
var modifiers = map[uint]bool{
	0x2a: true, 0x36: true, // shift
	0x1d: true, 0xe01d: true, // ctrl
	0x38: true, 0xe038: true, // alt
	0xe05b: true, 0xe05c: true, // super
}

func (t *translator) scancodes(codes []string) error {
	for _, c := range codes {
		b, err := strconv.ParseUint(c, 16, 8)
		if err != nil {
			return fmt.Errorf("scancode %q: %w", c, err)
		}
		if b == 0xe0 {
			t.extended = true
			continue
		}
		code := uint(b &^ 0x80)
		if t.extended {
			code |= 0xe000
			t.extended = false
		}
		release := b&0x80 != 0
		switch {
		case modifiers[code] && !release:
			t.hold(code)
		case modifiers[code]:
			t.letGo(code)
		case !release:
			keys := append(append([]uint(nil), t.held...), code)
			if err := t.send(keys); err != nil {
				return fmt.Errorf("send keys %x: %w", keys, err)
			}
		}
	}
	return nil
}

func (t *translator) hold(code uint) {
	for _, h := range t.held {
		if h == code {
			return
		}
	}
	t.held = append(t.held, code)
}

func (t *translator) letGo(code uint) {
	for i, h := range t.held {
		if h == code {
			t.held = append(t.held[:i], t.held[i+1:]...)
			return
		}
	}
}
