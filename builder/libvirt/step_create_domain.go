package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// stepCreateDomain defines the build domain from libvirtxml structs and
// boots it. Cleanup forces it off if it still runs and undefines it, NVRAM
// included, whatever way the build ends.
type stepCreateDomain struct{}

func (stepCreateDomain) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	spec := cfg.MachineConfig.Spec()
	disk := r.disk
	disk.Unsafe = true
	spec.Disks = []domainxml.Disk{disk}
	if r.seed != (domainxml.Disk{}) {
		spec.CDROMs = []domainxml.Disk{r.seed}
	}
	if err := r.guest.Start(spec); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepCreateDomain) Cleanup(state multistep.StateBag) {
	runOf(state).guest.Remove()
}
