package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
)

// stepCreateOEMDRV puts the kickstart on a small CD labelled OEMDRV, where
// Anaconda looks for ks.cfg by itself (kickstart_delivery = "cdrom").
type stepCreateOEMDRV struct{}

func (stepCreateOEMDRV) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	if r.config.KickstartDelivery != deliverCDROM {
		return multistep.ActionContinue
	}
	local := r.workDir.Path("oemdrv.iso")
	if err := isoimage.Write(ctx, local, "OEMDRV", map[string][]byte{"ks.cfg": r.kickstartFile()}); err != nil {
		return fail(state, err)
	}
	disk, err := r.guest.Storage.Import(ctx, local, "oemdrv.iso", "raw")
	if err != nil {
		return fail(state, err)
	}
	r.oemdrv = disk
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the CD lives in the working directory.
func (stepCreateOEMDRV) Cleanup(multistep.StateBag) {}
