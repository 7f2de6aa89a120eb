package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// stepCheckHypervisor settles what depends on the host before anything is
// downloaded: the network exists and runs, and which domain type and CPU
// the guest gets.
type stepCheckHypervisor struct{}

func (stepCheckHypervisor) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	host, err := guest.CheckHost(r.guest.Driver, r.ui, guest.HostWish{
		Network:     cfg.Network,
		DomainType:  cfg.DomainType,
		CPUModel:    cfg.CPUModel,
		MinX86Level: cfg.release.MinX86Level,
	})
	if err != nil {
		return fail(state, err)
	}
	r.guest.Host = host
	r.ui.Say(host.Describe(cfg.LibvirtURI))
	return multistep.ActionContinue
}

func (stepCheckHypervisor) Cleanup(multistep.StateBag) {}
