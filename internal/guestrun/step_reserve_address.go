package guestrun

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// StepReserveAddress gives the guest its MAC and, where libvirt runs the
// network's DHCP, an address reserved for the length of the run (see
// guest.ReserveAddress); Cleanup gives the address back.
type StepReserveAddress struct{}

// Run reserves the address.
func (*StepReserveAddress) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := Of(state).Guest.ReserveAddress(ctx); err != nil {
		return Fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup drops the reservation.
func (*StepReserveAddress) Cleanup(state multistep.StateBag) {
	Of(state).Guest.ReleaseAddress()
}
