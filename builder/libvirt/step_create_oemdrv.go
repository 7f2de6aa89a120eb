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
	r.oemdrvPath = r.workDir.Path("oemdrv.iso")
	if err := isoimage.Write(ctx, r.oemdrvPath, "OEMDRV", map[string][]byte{"ks.cfg": r.kickstartFile()}); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the CD lives in the working directory.
func (stepCreateOEMDRV) Cleanup(multistep.StateBag) {}
