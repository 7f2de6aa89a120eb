package guestrun

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// StepShutdown powers the guest off cleanly — Command over the
// communicator, or by default the ACPI power button — and waits for
// libvirt's "stopped" event. A guest that is still up after Timeout is
// forced off; that fails the run (the disk may be inconsistent) unless the
// disk is Throwaway.
type StepShutdown struct {
	Timeout time.Duration
	// Command is run in the guest instead of pressing the power button.
	Command string
	// Throwaway says the disk is thrown away after the run (verify's
	// overlay): a guest that does not stop is then forced off and
	// reported, and the run goes on.
	Throwaway bool
}

// Run shuts the guest down.
func (s *StepShutdown) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	var trigger func(context.Context) error
	if s.Command != "" {
		r.UI.Say(fmt.Sprintf("Shutting down with shutdown_command: %s", s.Command))
		comm := state.Get("communicator").(packersdk.Communicator)
		// The guest may drop the connection before it reports an exit
		// status, so only a failure to start the command counts.
		trigger = func(ctx context.Context) error {
			if err := comm.Start(ctx, &packersdk.RemoteCmd{Command: s.Command}); err != nil {
				return fmt.Errorf("run shutdown_command: %w", err)
			}
			return nil
		}
	} else {
		r.UI.Say("Shutting down the guest (ACPI power button)")
	}
	err := r.Guest.Shutdown(ctx, s.Timeout, trigger)
	switch {
	case err == nil:
		return multistep.ActionContinue
	case ctx.Err() != nil:
		return multistep.ActionHalt
	case s.Throwaway:
		r.UI.Error(fmt.Sprintf("The guest did not power off cleanly (shutdown_timeout %s); its disk is thrown away, so the run goes on: %v", s.Timeout, err))
		return multistep.ActionContinue
	}
	return Fail(state, fmt.Errorf("shutdown (shutdown_timeout %s): %w", s.Timeout, err))
}

// Cleanup has nothing to do: the boot step removes the domain.
func (*StepShutdown) Cleanup(multistep.StateBag) {}
