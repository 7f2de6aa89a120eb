package verify

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// stepCheckHost settles the network, domain type and CPU for the guest.
type stepCheckHost struct{}

func (stepCheckHost) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	host, err := guest.CheckHost(r.guest.Driver, r.ui, guest.HostWish{
		Network:     cfg.Network,
		DomainType:  cfg.DomainType,
		CPUModel:    cfg.CPUModel,
		MinX86Level: r.minX86Level,
	})
	if err != nil {
		return fail(state, err)
	}
	r.guest.Host = host
	r.ui.Say(host.Describe(cfg.LibvirtURI))
	return multistep.ActionContinue
}

func (stepCheckHost) Cleanup(multistep.StateBag) {}
