package guestrun

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
)

// StepBoot defines the domain of the guest's disk and seed (DomainSpec)
// and starts it. Cleanup forces it off if it still runs and undefines it,
// NVRAM included, whatever way the run ends.
type StepBoot struct {
	Machine *guestconfig.MachineConfig
}

// Run boots the guest.
func (s *StepBoot) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	if err := r.Guest.Start(ctx, r.DomainSpec(s.Machine)); err != nil {
		return Fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup removes the domain.
func (*StepBoot) Cleanup(state multistep.StateBag) {
	Of(state).Guest.Remove()
}
