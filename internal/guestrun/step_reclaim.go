package guestrun

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

// StepReclaim removes, before the run makes anything, what earlier runs
// on this host left when they were killed before their clean-up: the
// domain, DHCP reservation, volumes and working directory of every run
// whose owner process is gone (see package ownership). Only a cancel
// stops the run here: an object it cannot remove is a warning.
type StepReclaim struct {
	Hypervisor *guestconfig.HypervisorConfig
}

// Run reclaims.
func (s *StepReclaim) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	if !s.Hypervisor.Reclaims() {
		return multistep.ActionContinue
	}
	n := ownership.Reclaimer{
		Libvirt: r.Guest.Driver,
		Host:    r.Host,
		URI:     r.URI,
		TempDir: os.TempDir(),
		Say:     r.UI.Say,
		Warn:    r.UI.Error,
	}.Run(ctx)
	if n > 0 {
		r.UI.Say(fmt.Sprintf("Reclaimed %d objects left by killed runs", n))
	}
	if ctx.Err() != nil {
		return Fail(state, fmt.Errorf("reclaim: %w", ctx.Err()))
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to undo.
func (*StepReclaim) Cleanup(multistep.StateBag) {}
