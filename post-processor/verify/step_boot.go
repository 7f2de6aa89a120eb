package verify

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// stepBoot reserves the guest's address and boots a throwaway domain on
// the overlay. Cleanup forces it off, undefines it with its NVRAM and
// gives the address back.
type stepBoot struct{}

func (stepBoot) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	if err := r.guest.ReserveAddress(); err != nil {
		return fail(state, err)
	}
	spec := r.config.MachineConfig.Spec()
	overlay := r.overlay
	overlay.Unsafe = true
	spec.Disks = []domainxml.Disk{overlay}
	if r.seed != (domainxml.Disk{}) {
		spec.CDROMs = []domainxml.Disk{r.seed}
	}
	if err := r.guest.Start(spec); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepBoot) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	r.guest.Remove()
	r.guest.ReleaseAddress()
}
