package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepGeneralize runs scripts/generalize.sh in the guest as root, the last
// thing the build does there, so that every machine started from the image
// is a new instance (generalize = true, the default).
type stepGeneralize struct{}

func (stepGeneralize) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	runOf(state).UI.Say("Generalizing the image for its first boot")
	if err := runAsRoot(ctx, state, "generalize the image", script("generalize.sh")); err != nil {
		return guestrun.Fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepGeneralize) Cleanup(multistep.StateBag) {}
