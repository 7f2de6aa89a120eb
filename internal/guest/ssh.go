package guest

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
)

// sshProbeInterval is how often the guest's SSH port is tried while it
// boots. A refused TCP connection costs the guest next to nothing, unlike
// asking libvirt for addresses; the SDK's own retry waits 5 s between
// attempts, which would add up to 5 s to every run.
const sshProbeInterval = 250 * time.Millisecond

// WaitForSSH returns the guest's address once something there greets
// with an SSH banner on port, or an error at the deadline.
func (g *Guest) WaitForSSH(ctx context.Context, port int, deadline time.Time) (netip.Addr, error) {
	ip, err := g.Address(ctx, deadline)
	if err != nil {
		return netip.Addr{}, err
	}
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(port))
	for {
		if sshBanner(ctx, addr) {
			return ip, nil
		}
		if err := sleepUntil(ctx, deadline, sshProbeInterval); err != nil {
			return netip.Addr{}, fmt.Errorf("no SSH server at %s: %w", addr, err)
		}
	}
}

// Address is the reserved address, or the one libvirt learns from the
// network's leases or ARP table, asked once a second.
func (g *Guest) Address(ctx context.Context, deadline time.Time) (netip.Addr, error) {
	if g.IP.IsValid() {
		return g.IP, nil
	}
	for {
		addrs, err := g.Driver.InterfaceAddresses(ctx, g.Name)
		if err == nil && len(addrs) > 0 {
			g.IP = addrs[0]
			g.UI.Say(fmt.Sprintf("Guest address: %s", g.IP))
			return g.IP, nil
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

// Phase is a named duration of the guest's boot.
type Phase struct {
	Name string
	D    time.Duration
}

// BootPhases splits the time from boot to an SSH connection at connected
// into boot→lease and lease→SSH when the lease time is known, else
// reports boot→SSH.
func (g *Guest) BootPhases(ctx context.Context, connected time.Time) []Phase {
	if got, ok := g.LeaseTime(ctx); ok && !got.Before(g.BootStarted.Truncate(time.Second)) && !got.After(connected) {
		if got.Before(g.BootStarted) {
			got = g.BootStarted // lease times have whole-second resolution
		}
		return []Phase{{"boot→lease", got.Sub(g.BootStarted)}, {"lease→SSH", connected.Sub(got)}}
	}
	return []Phase{{"boot→SSH", connected.Sub(g.BootStarted)}}
}

// DiagnoseSSH says how far the guest got when SSH as user failed within
// timeout, with the end of its serial console. A cause that is a
// BootFailure (see WatchBoot) is the answer itself.
func (g *Guest) DiagnoseSSH(ctx context.Context, user string, timeout time.Duration, cause error) error {
	var f *BootFailure
	if errors.As(cause, &f) {
		return g.WithConsole(f)
	}
	var err error
	switch {
	case g.Reserved:
		if got, ok := g.LeaseTime(ctx); ok {
			err = fmt.Errorf("the guest got its address %s %.1fs after boot, but SSH as %q did not succeed within %s: %v",
				g.IP, got.Sub(g.BootStarted).Seconds(), user, timeout, cause)
		} else {
			err = fmt.Errorf("the guest never took a DHCP lease on network %s (address %s reserved for MAC %s) within %s: its network never came up",
				g.Host.Network.Name, g.IP, g.MAC, timeout)
		}
	case !g.IP.IsValid():
		err = fmt.Errorf("the guest's address never appeared in the DHCP leases or ARP table of network %s within %s",
			g.Host.Network.Name, timeout)
	default:
		err = fmt.Errorf("SSH to the guest at %s as %q did not succeed within %s: %v", g.IP, user, timeout, cause)
	}
	return g.WithConsole(err)
}
