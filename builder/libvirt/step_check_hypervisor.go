package libvirt

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// stepCheckHypervisor settles what depends on the host before anything is
// downloaded: the network exists and runs, and which domain type and CPU
// the guest gets.
type stepCheckHypervisor struct{}

func (stepCheckHypervisor) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config

	net, err := r.driver.Network(cfg.Network)
	if err != nil {
		return fail(state, fmt.Errorf("network %q: %w; list networks with `virsh net-list --all` or set `network`", cfg.Network, err))
	}
	if !net.Active {
		return fail(state, fmt.Errorf("network %q is not active; start it with `virsh net-start %s`", cfg.Network, cfg.Network))
	}
	r.network = net

	r.domainType = cfg.DomainType
	if r.domainType == "auto" {
		if ok, why := r.driver.KVMUsable(); ok {
			r.domainType = "kvm"
		} else {
			r.domainType = "qemu"
			r.ui.Error(fmt.Sprintf("WARNING: KVM is not usable on this host (%s).\n"+
				"Falling back to TCG software emulation (domain_type = \"qemu\"), which is 5-20x slower.\n"+
				"Set domain_type = \"qemu\" to choose it explicitly and silence this warning.", why))
		}
	}
	r.cpu = guestCPU(cfg.CPUModel, r.domainType, cfg.release.MinX86Level)
	r.ui.Say(fmt.Sprintf("Hypervisor: %s, domain type %s, network %s (%s)", r.config.LibvirtURI, r.domainType, net.Name, describeForward(net.Forward)))
	return multistep.ActionContinue
}

func (stepCheckHypervisor) Cleanup(multistep.StateBag) {}

// guestCPU picks the CPU model: the user's choice, else the host's CPU
// under KVM, else under TCG whatever the release needs (qemu's default
// model only offers x86-64 v1, which Stream 9 and 10 userlands reject).
func guestCPU(model, domainType string, minX86Level int) string {
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

func describeForward(mode string) string {
	if mode == "" {
		return "isolated"
	}
	return mode
}
