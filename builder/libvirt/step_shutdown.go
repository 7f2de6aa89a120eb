package libvirt

import (
	"context"
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
	var trigger func(context.Context) error
	if cfg.ShutdownCommand != "" {
		r.ui.Say(fmt.Sprintf("Shutting down with shutdown_command: %s", cfg.ShutdownCommand))
		comm := state.Get("communicator").(packersdk.Communicator)
		// The guest may drop the connection before it reports an exit
		// status, so only a failure to start the command counts.
		trigger = func(ctx context.Context) error {
			if err := comm.Start(ctx, &packersdk.RemoteCmd{Command: cfg.ShutdownCommand}); err != nil {
				return fmt.Errorf("run shutdown_command: %w", err)
			}
			return nil
		}
	} else {
		r.ui.Say("Shutting down the guest (ACPI power button)")
	}
	if err := r.guest.Shutdown(ctx, cfg.ShutdownTimeout, trigger); err != nil {
		if ctx.Err() != nil {
			return multistep.ActionHalt
		}
		return fail(state, fmt.Errorf("shutdown (shutdown_timeout %s): %w", cfg.ShutdownTimeout, err))
	}
	return multistep.ActionContinue
}

func (stepShutdown) Cleanup(multistep.StateBag) {}
