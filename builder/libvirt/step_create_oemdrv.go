package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
)

// stepCreateOEMDRV puts the kickstart on a small CD labelled OEMDRV, where
// Anaconda looks for ks.cfg by itself (kickstart_delivery = "cdrom").
type stepCreateOEMDRV struct{}

func (stepCreateOEMDRV) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	local := r.WorkDir.Path("oemdrv.iso")
	if err := isoimage.Write(ctx, local, "OEMDRV", map[string][]byte{"ks.cfg": r.kickstartFile()}); err != nil {
		return guestrun.Fail(state, err)
	}
	disk, err := r.Guest.Storage.Import(ctx, local, "oemdrv.iso", "raw")
	if err != nil {
		return guestrun.Fail(state, err)
	}
	r.oemdrv = disk
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the CD lives in the working directory.
func (stepCreateOEMDRV) Cleanup(multistep.StateBag) {}
