package libvirt

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// stepShutdown powers the guest off cleanly — shutdown_command over SSH,
// or by default the ACPI power button — and waits for libvirt's "stopped"
// event. A guest that does not stop within shutdown_timeout fails the
// build (its disk may be inconsistent) and is forced off.
type stepShutdown struct{}

func (stepShutdown) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	if cfg.ShutdownCommand != "" {
		r.ui.Say(fmt.Sprintf("Shutting down with shutdown_command: %s", cfg.ShutdownCommand))
		comm := state.Get("communicator").(packersdk.Communicator)
		// The guest may drop the connection before it reports an exit
		// status, so only a failure to start the command counts.
		if err := comm.Start(ctx, &packersdk.RemoteCmd{Command: cfg.ShutdownCommand}); err != nil {
			return fail(state, fmt.Errorf("run shutdown_command: %w", err))
		}
	} else {
		r.ui.Say("Shutting down the guest (ACPI power button)")
		if err := r.driver.ShutdownDomain(r.domain); err != nil {
			return fail(state, withConsole(err, r.consoleLog))
		}
	}
	waitCtx, cancel := context.WithTimeout(ctx, cfg.ShutdownTimeout)
	defer cancel()
	err := r.driver.WaitStopped(waitCtx, r.domain)
	switch {
	case err == nil:
		return multistep.ActionContinue
	case ctx.Err() != nil:
		return multistep.ActionHalt // cancelled; the domain's Cleanup forces it off
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("the guest did not power off within shutdown_timeout (%s); forcing it off. "+
			"Check that it handles ACPI power-button events (acpid or systemd-logind) or set shutdown_command", cfg.ShutdownTimeout)
	}
	err = withConsole(err, r.consoleLog)
	if derr := r.driver.DestroyDomain(r.domain); derr != nil {
		err = fmt.Errorf("%w\nforcing the guest off failed too: %v", err, derr)
	}
	return fail(state, err)
}

func (stepShutdown) Cleanup(multistep.StateBag) {}
