package verify

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/verifier/sshexec"
)

// stepConnect waits for the guest's SSH server and logs in, measuring the
// time from power-on to a working login for the boot_time check. A guest
// that never gets there fails the run with how far it got and the end of
// its serial console.
type stepConnect struct{}

func (s *stepConnect) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	comm := &r.config.Comm
	r.UI.Say(fmt.Sprintf("Waiting for SSH (ssh_timeout %s)...", comm.SSHTimeout))
	exec, err := r.connect(ctx, state)
	if err != nil {
		if ctx.Err() != nil {
			return multistep.ActionHalt
		}
		return guestrun.Fail(state, fmt.Errorf("the image did not come up: %w", err))
	}
	r.exec = exec
	r.bootTime = time.Since(r.Guest.BootStarted)
	r.Timings.AddBoot(ctx, r.Guest, r.Guest.BootStarted.Add(r.bootTime))
	r.UI.Say(fmt.Sprintf("Logged in as %s after %.1fs", comm.SSHUsername, r.bootTime.Seconds()))
	return multistep.ActionContinue
}

// connect logs in to the guest's current boot within ssh_timeout, while
// watching its console: a boot that shows why it will never get there
// ends the wait at once. Its error says how far the guest got.
func (r *verifyRun) connect(ctx context.Context, state multistep.StateBag) (*sshexec.Executor, error) {
	comm := &r.config.Comm
	watched, stop := r.Guest.WatchBoot(ctx)
	exec, err := r.login(watched, state, time.Now().Add(comm.SSHTimeout))
	stop()
	if err == nil {
		return exec, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if f := guest.BootFailed(watched); f != nil {
		err = f
	}
	return nil, r.Guest.DiagnoseSSH(ctx, comm.SSHUsername, comm.SSHTimeout, err)
}

// login retries until the guest's SSH server accepts us or the deadline:
// right after boot sshd may still be starting or cloud-init still writing
// the key.
func (r *verifyRun) login(ctx context.Context, state multistep.StateBag, deadline time.Time) (*sshexec.Executor, error) {
	comm := &r.config.Comm
	clientConfig, err := comm.SSHConfigFunc()(state)
	if err != nil {
		return nil, err
	}
	for {
		ip, err := r.Guest.WaitForSSH(ctx, comm.SSHPort, deadline)
		if err != nil {
			return nil, err
		}
		addr := net.JoinHostPort(ip.String(), strconv.Itoa(comm.SSHPort))
		dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		exec, err := sshexec.Dial(dialCtx, addr, clientConfig, sshexec.Options{})
		cancel()
		if err == nil {
			return exec, nil
		}
		if time.Now().Add(time.Second).After(deadline) {
			return nil, err
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *stepConnect) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	if r.exec != nil {
		r.exec.Close()
		r.exec = nil
	}
}
