package libvirt

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepConnect connects the SDK's SSH communicator once the guest's SSH
// server answers — the SDK retries only every 5 s — and turns a failure
// into an error that says how far the guest got (no lease, no SSH) with
// the end of its serial console.
type stepConnect struct {
	inner multistep.Step
}

func (s *stepConnect) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	comm := &r.config.Comm
	if wait := r.config.BootWait; wait > 0 {
		r.ui.Say(fmt.Sprintf("Waiting %s (boot_wait)...", wait))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return multistep.ActionHalt
		}
	}
	deadline := time.Now().Add(comm.SSHTimeout)
	s.inner = &communicator.StepConnect{
		Config:    comm,
		SSHConfig: comm.SSHConfigFunc(),
		Host: func(multistep.StateBag) (string, error) {
			ip, err := r.guest.WaitForSSH(ctx, comm.SSHPort, deadline)
			return ip.String(), err
		},
	}
	if action := s.inner.Run(ctx, state); action != multistep.ActionContinue {
		if ctx.Err() == nil {
			cause, _ := state.Get("error").(error)
			err := r.guest.DiagnoseSSH(comm.SSHUsername, comm.SSHTimeout, cause)
			state.Put("error", fmt.Errorf("%w (ssh_timeout)", err))
		}
		return multistep.ActionHalt
	}
	for _, p := range r.guest.BootPhases(time.Now()) {
		r.timings.add(p.Name, p.D)
	}
	return multistep.ActionContinue
}

func (s *stepConnect) Cleanup(state multistep.StateBag) {
	if s.inner != nil {
		s.inner.Cleanup(state)
	}
}
