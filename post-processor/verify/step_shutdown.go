package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepShutdown powers the guest off through ACPI. The overlay is thrown
// away, so a guest that does not stop in time is only forced off and
// reported, not failed.
type stepShutdown struct{}

func (stepShutdown) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	start := time.Now()
	defer func() { r.shutdownTime = time.Since(start) }()
	if err := r.guest.Shutdown(ctx, r.config.ShutdownTimeout, nil); err != nil {
		if ctx.Err() != nil {
			return multistep.ActionHalt
		}
		r.ui.Error(fmt.Sprintf("The verify guest did not power off cleanly (shutdown_timeout %s): %v", r.config.ShutdownTimeout, err))
	}
	return multistep.ActionContinue
}

func (stepShutdown) Cleanup(multistep.StateBag) {}
