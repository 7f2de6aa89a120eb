package guest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Shutdown asks the guest to power off — through trigger (e.g. a command
// over SSH), or when trigger is nil by pressing its ACPI power button —
// and waits for libvirt's "stopped" event. A guest still running after
// timeout is forced off and the error shows the end of its console.
func (g *Guest) Shutdown(ctx context.Context, timeout time.Duration, trigger func(context.Context) error) error {
	if trigger == nil {
		trigger = func(context.Context) error { return g.Driver.ShutdownDomain(ctx, g.Name) }
	}
	if err := trigger(ctx); err != nil {
		return g.WithConsole(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := g.Driver.WaitStopped(waitCtx, g.Name)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err() // cancelled; Remove forces it off
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("the guest did not power off within %s; forcing it off. "+
			"Check that it handles ACPI power-button events (acpid or systemd-logind) or give a shutdown command", timeout)
	}
	err = g.WithConsole(err)
	if derr := g.Driver.DestroyDomain(ctx, g.Name); derr != nil {
		err = fmt.Errorf("%w\nforcing the guest off failed too: %v", err, derr)
	}
	return err
}
