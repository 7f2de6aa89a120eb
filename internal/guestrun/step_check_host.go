package guestrun

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
)

// StepCheckHost settles what depends on the host before anything is made
// or downloaded: the network exists and runs, and which domain type and
// CPU the guest gets (for the release's x86-64 level, Run.MinX86Level).
type StepCheckHost struct {
	Hypervisor *guestconfig.HypervisorConfig
	Machine    *guestconfig.MachineConfig
}

// Run checks the host and prints what it settled.
func (s *StepCheckHost) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	host, err := guest.CheckHost(ctx, r.Guest.Driver, r.UI, guest.HostWish{
		Network:     s.Hypervisor.Network,
		DomainType:  s.Hypervisor.DomainType,
		CPUModel:    s.Machine.CPUModel,
		MinX86Level: r.MinX86Level,
		Release:     r.Release,
	})
	if err != nil {
		return Fail(state, err)
	}
	r.Guest.Host = host
	r.UI.Say(host.Describe(s.Hypervisor.LibvirtURI))
	return multistep.ActionContinue
}

// Cleanup has nothing to undo.
func (*StepCheckHost) Cleanup(multistep.StateBag) {}
