package libvirt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// sshProbeInterval is how often the guest's SSH port is tried while it
// boots. A refused TCP connection costs the guest next to nothing, unlike
// asking libvirt for addresses; the SDK's own retry waits 5 s between
// attempts, which would add up to 5 s to every build.
const sshProbeInterval = 250 * time.Millisecond

// stepConnect connects the SDK's SSH communicator once the guest's SSH
// server answers, and turns a failure into an error that says what the
// guest got to (no lease, no SSH) with the end of its serial console.
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
			return waitForSSHServer(ctx, r, deadline)
		},
	}
	if action := s.inner.Run(ctx, state); action != multistep.ActionContinue {
		if ctx.Err() == nil {
			err, _ := state.Get("error").(error)
			state.Put("error", withConsole(diagnoseConnect(r, err), r.consoleLog))
		}
		return multistep.ActionHalt
	}
	recordBootTimings(r, time.Now())
	return multistep.ActionContinue
}

func (s *stepConnect) Cleanup(state multistep.StateBag) {
	if s.inner != nil {
		s.inner.Cleanup(state)
	}
}

// waitForSSHServer returns the guest's address once something there
// greets with an SSH banner.
func waitForSSHServer(ctx context.Context, r *buildRun, deadline time.Time) (string, error) {
	ip, err := guestAddress(ctx, r, deadline)
	if err != nil {
		return "", err
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(r.config.Comm.SSHPort))
	for {
		if sshBanner(ctx, addr) {
			return ip.String(), nil
		}
		if err := sleepUntil(ctx, deadline, sshProbeInterval); err != nil {
			return "", fmt.Errorf("no SSH server at %s: %w", addr, err)
		}
	}
}

// guestAddress is the reserved address, or the one libvirt learns from the
// network's leases or ARP table, asked once a second.
func guestAddress(ctx context.Context, r *buildRun, deadline time.Time) (netip.Addr, error) {
	if r.ip.IsValid() {
		return r.ip, nil
	}
	for {
		addrs, err := r.driver.InterfaceAddresses(r.domain)
		if err == nil && len(addrs) > 0 {
			r.ip = addrs[0]
			r.ui.Say(fmt.Sprintf("Guest address: %s", r.ip))
			return r.ip, nil
		}
		if err := sleepUntil(ctx, deadline, time.Second); err != nil {
			return netip.Addr{}, fmt.Errorf("guest address unknown: %w", err)
		}
	}
}

var errDeadline = errors.New("timed out")

func sleepUntil(ctx context.Context, deadline time.Time, d time.Duration) error {
	if time.Now().Add(d).After(deadline) {
		return errDeadline
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sshBanner tells whether an SSH server answers at addr.
func sshBanner(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "SSH-")
}

// leaseTime is when the guest got its reserved address: the lease's
// expiry minus the reservation's lease time.
func leaseTime(r *buildRun) (time.Time, bool) {
	if !r.reserved {
		return time.Time{}, false
	}
	leases, err := r.driver.DHCPLeases(r.network.Name)
	if err != nil {
		return time.Time{}, false
	}
	for _, l := range leases {
		if strings.EqualFold(l.MAC, r.mac) {
			return l.Expiry.Add(-reservedLease), true
		}
	}
	return time.Time{}, false
}

func recordBootTimings(r *buildRun, connected time.Time) {
	if got, ok := leaseTime(r); ok && !got.Before(r.bootStarted.Truncate(time.Second)) && !got.After(connected) {
		if got.Before(r.bootStarted) {
			got = r.bootStarted // lease times have whole-second resolution
		}
		r.timings.add("boot→lease", got.Sub(r.bootStarted))
		r.timings.add("lease→SSH", connected.Sub(got))
		return
	}
	r.timings.add("boot→SSH", connected.Sub(r.bootStarted))
}

// diagnoseConnect says how far the guest got when SSH failed.
func diagnoseConnect(r *buildRun, cause error) error {
	timeout := r.config.Comm.SSHTimeout
	switch {
	case r.reserved:
		if got, ok := leaseTime(r); ok {
			return fmt.Errorf("the guest got its address %s %s after boot, but SSH as %q did not succeed within ssh_timeout (%s): %v",
				r.ip, seconds(got.Sub(r.bootStarted)), r.config.Comm.SSHUsername, timeout, cause)
		}
		return fmt.Errorf("the guest never took a DHCP lease on network %s (address %s reserved for MAC %s) within ssh_timeout (%s): its network never came up",
			r.network.Name, r.ip, r.mac, timeout)
	case !r.ip.IsValid():
		return fmt.Errorf("the guest's address never appeared in the DHCP leases or ARP table of network %s within ssh_timeout (%s)",
			r.network.Name, timeout)
	}
	return fmt.Errorf("SSH to the guest at %s as %q did not succeed within ssh_timeout (%s): %v", r.ip, r.config.Comm.SSHUsername, timeout, cause)
}
