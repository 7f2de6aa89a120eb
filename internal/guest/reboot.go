package guest

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Reboot reboots the guest through its ACPI power button and returns once
// libvirt has reset it: BootStarted, the SSH wait and the console tail of
// errors then belong to the new boot. A guest that has not reset within
// timeout is an error that shows the end of its console; Remove forces it
// off.
func (g *Guest) Reboot(ctx context.Context, timeout time.Duration) error {
	waitCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := g.Driver.RebootDomain(waitCtx, g.Name)
	switch {
	case err == nil:
		g.BootStarted = time.Now()
		g.rebooted, g.consoleFrom = true, g.consoleSize()
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("the guest did not reboot within %s. "+
			"Check that it handles ACPI power-button events (acpid or systemd-logind)", timeout)
	}
	return g.WithConsole(err)
}
