package guest

import (
	"context"
	"fmt"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// Host is what a guest will run on, settled before anything is made.
type Host struct {
	Network libvirtdriver.Network
	// DomainType is "kvm" or "qemu".
	DomainType string
	// CPU is the domainxml CPU choice.
	CPU string
}

// HostWish is what the configuration asks for.
type HostWish struct {
	Network string
	// DomainType is "auto", "kvm" or "qemu".
	DomainType string
	// CPUModel is the user's CPU choice, or empty.
	CPUModel string
	// MinX86Level is what the guest's userland needs (1, 2 or 3), and
	// Release names who needs it, for the error.
	MinX86Level int
	Release     string
}

// CheckHost finds the network (it must exist and run) and picks the
// domain type — for "auto", KVM when libvirt says it is usable, else TCG
// with a loud warning — and the CPU, which must offer the x86-64 level
// the release needs.
func CheckHost(ctx context.Context, d Driver, ui UI, w HostWish) (Host, error) {
	net, err := d.Network(ctx, w.Network)
	if err != nil {
		return Host{}, fmt.Errorf("network %q: %w; list networks with `virsh net-list --all` or set `network`", w.Network, err)
	}
	if !net.Active {
		return Host{}, fmt.Errorf("network %q is not active; start it with `virsh net-start %s`", w.Network, w.Network)
	}
	h := Host{Network: net, DomainType: w.DomainType}
	if h.DomainType == "auto" {
		if ok, why := d.KVMUsable(ctx); ok {
			h.DomainType = "kvm"
		} else {
			h.DomainType = "qemu"
			ui.Error(fmt.Sprintf("WARNING: KVM is not usable on this host (%s).\n"+
				"Falling back to TCG software emulation (domain_type = \"qemu\"), which is 5-20x slower.\n"+
				"Set domain_type = \"qemu\" to choose it explicitly and silence this warning.", why))
		}
	}
	h.CPU = CPUFor(w.CPUModel, h.DomainType, w.MinX86Level)
	if err := checkCPULevel(ctx, d, ui, h, w); err != nil {
		return Host{}, err
	}
	return h, nil
}

// CPUFor picks the CPU model: the user's choice, else the host's CPU under
// KVM, else under TCG whatever the release needs (qemu's default model
// only offers x86-64 v1, which Stream 9 and 10 userlands reject).
func CPUFor(model, domainType string, minX86Level int) string {
	switch {
	case model != "":
		return model
	case domainType == "kvm":
		return domainxml.CPUHostPassthrough
	case minX86Level > 1:
		return domainxml.CPUMaximum
	}
	return ""
}

// Describe is a one-line summary for the build log.
func (h Host) Describe(uri string) string {
	fwd := h.Network.Forward
	if fwd == "" {
		fwd = "isolated"
	}
	return fmt.Sprintf("Hypervisor: %s, domain type %s, network %s (%s)", uri, h.DomainType, h.Network.Name, fwd)
}
