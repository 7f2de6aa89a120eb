package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepReserveAddress gives the guest its MAC and, where libvirt runs the
// network's DHCP, an address reserved for the length of the build (see
// guest.ReserveAddress); Cleanup gives the address back.
type stepReserveAddress struct{}

func (stepReserveAddress) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	if err := runOf(state).guest.ReserveAddress(); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepReserveAddress) Cleanup(state multistep.StateBag) {
	runOf(state).guest.ReleaseAddress()
}
