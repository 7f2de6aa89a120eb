package libvirt

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepConnect waits for the guest's SSH server to answer — probing it
// directly, since the SDK retries only every 5 s — then connects the SDK's
// SSH communicator, all within ssh_timeout. A failure says how far the
// guest got (no lease, no SSH) with the end of its serial console.
type stepConnect struct {
	inner multistep.Step
}

// minLogin is the least time left for logging in once the server answers.
const minLogin = 10 * time.Second

func (s *stepConnect) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	// A copy: the login gets what is left of ssh_timeout, the build's
	// configuration stays as written.
	comm := r.config.Comm
	// In ISO mode boot_wait was for the installer's boot menu.
	if wait := r.config.BootWait; wait > 0 && !r.config.iso() {
		r.UI.Say(fmt.Sprintf("Waiting %s (boot_wait)...", wait))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return multistep.ActionHalt
		}
	}
	timeout := comm.SSHTimeout
	start := time.Now()
	r.UI.Say(fmt.Sprintf("Waiting for the guest's SSH server (ssh_timeout %s)...", timeout))
	wait := r.Guest.WaitForSSH
	if comm.SSHBastionHost != "" || comm.SSHProxyHost != "" {
		// Through a bastion or proxy the guest is not reachable from
		// here: learn its address, and let the SDK reach it their way.
		wait = func(ctx context.Context, _ int, deadline time.Time) (netip.Addr, error) {
			return r.Guest.Address(ctx, deadline)
		}
	}
	// A boot whose console shows why it will never reach SSH ends the
	// wait at once.
	watched, stop := r.Guest.WatchBoot(ctx)
	defer stop()
	ip, err := wait(watched, comm.SSHPort, start.Add(timeout))
	if err != nil {
		return s.failed(ctx, watched, state, timeout, err)
	}
	comm.SSHTimeout = max(timeout-time.Since(start), minLogin)
	s.inner = &communicator.StepConnect{
		Config:    &comm,
		SSHConfig: comm.SSHConfigFunc(),
		Host:      func(multistep.StateBag) (string, error) { return ip.String(), nil },
	}
	if action := s.inner.Run(watched, state); action != multistep.ActionContinue {
		cause, _ := state.Get("error").(error)
		return s.failed(ctx, watched, state, timeout, cause)
	}
	r.Timings.AddBoot(ctx, r.Guest, time.Now())
	return multistep.ActionContinue
}

// failed reports a failed connection, unless the build was cancelled:
// with the reason the console showed, if it ended the watched wait.
func (s *stepConnect) failed(ctx, watched context.Context, state multistep.StateBag, timeout time.Duration, cause error) multistep.StepAction {
	if ctx.Err() != nil {
		return multistep.ActionHalt
	}
	if f := guest.BootFailed(watched); f != nil {
		cause = f
	}
	r := runOf(state)
	err := r.Guest.DiagnoseSSH(ctx, r.config.Comm.SSHUsername, timeout, cause)
	return guestrun.Fail(state, fmt.Errorf("%w (ssh_timeout)", err))
}

func (s *stepConnect) Cleanup(state multistep.StateBag) {
	if s.inner != nil {
		s.inner.Cleanup(state)
	}
}
