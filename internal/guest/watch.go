package guest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// watchInterval is how often WatchBoot reads what the console added.
// libvirt writes the console to a plain file, which offers no event.
const watchInterval = 500 * time.Millisecond

// watchLines bounds how many console lines of the boot WatchBoot keeps.
const watchLines = 400

// dhcpGrace is how long a guest whose console shows a login prompt — its
// boot has finished, network and cloud-init included — may still go
// without asking for its reserved address. leaseCheckInterval paces the
// questions to libvirt after that.
var (
	dhcpGrace          = 30 * time.Second
	leaseCheckInterval = 5 * time.Second
)

// loginPrompt is getty's prompt, which it prints without a newline, so
// the console's next output may follow it on the same line.
var loginPrompt = regexp.MustCompile(`^\S+ login:( |$)`)

// WatchBoot returns a context that ends as soon as the guest's console,
// since the current boot began, shows a known reason it will never reach
// SSH (FindBootFailure); BootFailed then returns that reason. stop ends
// the watch, and must be called.
func (g *Guest) WatchBoot(ctx context.Context) (watched context.Context, stop func()) {
	watched, cancel := context.WithCancelCause(ctx)
	// consoleFrom is 0 until a reboot.
	w := &consoleWatch{path: g.ConsoleLog, offset: g.consoleFrom, seeded: g.Seeded}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(watchInterval)
		defer t.Stop()
		var asked time.Time
		for {
			if f, ok := w.check(); ok {
				cancel(f)
				return
			}
			if g.Reserved && !w.prompted.IsZero() && time.Since(w.prompted) >= dhcpGrace && time.Since(asked) >= leaseCheckInterval {
				asked = time.Now()
				if leased, known := g.leasedThisBoot(watched); known && !leased {
					cancel(&BootFailure{
						Cause: fmt.Sprintf("the guest finished booting (its login prompt is on the console) but has not asked for its address %s on network %s %.0fs later",
							g.IP, g.Host.Network.Name, time.Since(w.prompted).Seconds()),
						Line: w.prompt,
						Fix:  "The guest's network is not configured for DHCP on its NIC: look for a static or MAC-pinned configuration in the image (network_not_pinned names them), or a NIC driver missing (virtio_net)",
					})
					return
				}
			}
			select {
			case <-t.C:
			case <-watched.Done():
				return
			}
		}
	}()
	return watched, func() {
		cancel(nil)
		<-done
	}
}

// BootFailed is the reason a WatchBoot context ended for, or nil if it
// did not end for one.
func BootFailed(watched context.Context) *BootFailure {
	var f *BootFailure
	if errors.As(context.Cause(watched), &f) {
		return f
	}
	return nil
}

// leasedThisBoot tells whether the guest took its reserved address since
// its current boot began (a reboot keeps the last boot's lease); known is
// false when libvirt could not say.
func (g *Guest) leasedThisBoot(ctx context.Context) (leased, known bool) {
	taken, found, err := g.lease(ctx)
	if err != nil {
		return false, false
	}
	return found && !taken.Before(g.BootStarted.Truncate(time.Second)), true
}

// consoleWatch reads a console log as it grows, keeping its recent lines.
type consoleWatch struct {
	path    string
	seeded  bool
	offset  int64
	partial string
	lines   []string
	// prompted is when a login prompt first showed, and prompt the line.
	prompted time.Time
	prompt   string
	// pending is the cause of a failure that must settle first, and
	// pendingSince when it showed.
	pending      string
	pendingSince time.Time
	now          func() time.Time
}

// check reads what was added since the last call and looks for a failure.
func (w *consoleWatch) check() (*BootFailure, bool) {
	data, err := readFrom(w.path, w.offset)
	if err != nil && !os.IsNotExist(err) || len(data) == 0 {
		if w.pending != "" {
			return w.settled() // a failure waiting out its settle time
		}
		return nil, false
	}
	w.offset += int64(len(data))
	text := w.partial + string(data)
	cut := strings.LastIndexByte(text, '\n')
	if cut < 0 {
		w.partial = text
		w.notePrompt(cleanLines([]byte(text)))
		return nil, false
	}
	w.partial = text[cut+1:]
	added := cleanLines([]byte(text[:cut]))
	w.notePrompt(append(added, cleanLines([]byte(w.partial))...))
	w.lines = append(w.lines, added...)
	if len(w.lines) > watchLines {
		w.lines = w.lines[len(w.lines)-watchLines:]
	}
	return w.settled()
}

// settled is the failure the lines show, once it has shown for as long as
// its cause must settle; a failure that went away is forgotten.
func (w *consoleWatch) settled() (*BootFailure, bool) {
	f, settle, ok := FindBootFailure(w.lines, w.seeded)
	if !ok {
		w.pending = ""
		return nil, false
	}
	if settle == 0 {
		return f, true
	}
	if w.pending != f.Cause {
		w.pending, w.pendingSince = f.Cause, w.clock()
		return nil, false
	}
	return f, w.clock().Sub(w.pendingSince) >= settle
}

func (w *consoleWatch) clock() time.Time {
	if w.now != nil {
		return w.now()
	}
	return time.Now()
}

// notePrompt remembers when a login prompt first showed among lines.
func (w *consoleWatch) notePrompt(lines []string) {
	if !w.prompted.IsZero() {
		return
	}
	for _, l := range lines {
		if loginPrompt.MatchString(l) {
			w.prompted, w.prompt = w.clock(), l
			return
		}
	}
}
