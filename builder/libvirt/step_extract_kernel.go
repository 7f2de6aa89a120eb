package libvirt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
)

// stepExtractKernel takes the installer's kernel and initrd out of the ISO
// for boot_mode = "kernel", and reads the volume id the installer finds
// its medium by.
type stepExtractKernel struct{}

func (stepExtractKernel) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	iso := state.Get("iso_path").(string)
	for _, f := range []struct {
		name string
		dst  *string
	}{{"vmlinuz", &r.kernel}, {"initrd.img", &r.initrd}} {
		local := r.WorkDir.Path(f.name)
		if err := isoimage.Extract(ctx, iso, "/images/pxeboot/"+f.name, local); err != nil {
			return guestrun.Fail(state, fmt.Errorf("boot_mode = \"kernel\" needs the installer's kernel: %w", err))
		}
		// The hypervisor reads the kernel from its own filesystem.
		disk, err := r.Guest.Storage.Import(ctx, local, f.name, "raw")
		if err != nil {
			return guestrun.Fail(state, err)
		}
		*f.dst = disk.Path
	}
	volume, err := isoimage.VolumeID(ctx, iso)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	r.stage2 = "inst.stage2=hd:LABEL=" + strings.ReplaceAll(volume, " ", `\x20`)
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the files live in the working directory.
func (stepExtractKernel) Cleanup(multistep.StateBag) {}
