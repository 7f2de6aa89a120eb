package libvirt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
)

// stepExtractKernel takes the installer's kernel and initrd out of the ISO
// for boot_mode = "kernel", and reads the volume id the installer finds
// its medium by.
type stepExtractKernel struct{}

func (stepExtractKernel) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	if r.config.BootMode != bootKernel {
		return multistep.ActionContinue
	}
	iso := state.Get("iso_path").(string)
	r.kernel = r.workDir.Path("vmlinuz")
	r.initrd = r.workDir.Path("initrd.img")
	for dst, src := range map[string]string{r.kernel: "/images/pxeboot/vmlinuz", r.initrd: "/images/pxeboot/initrd.img"} {
		if err := isoimage.Extract(ctx, iso, src, dst); err != nil {
			return fail(state, fmt.Errorf("boot_mode = \"kernel\" needs the installer's kernel: %w", err))
		}
	}
	volume, err := isoimage.VolumeID(ctx, iso)
	if err != nil {
		return fail(state, err)
	}
	r.stage2 = "inst.stage2=hd:LABEL=" + strings.ReplaceAll(volume, " ", `\x20`)
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the files live in the working directory.
func (stepExtractKernel) Cleanup(multistep.StateBag) {}
