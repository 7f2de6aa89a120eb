package verify

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// stepOverlay layers a throwaway qcow2 over the image (or, with a storage
// pool, over its upload): the guest writes only to the overlay, and qemu
// opens the image itself read-only.
type stepOverlay struct{}

func (stepOverlay) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	src, err := filepath.Abs(r.image.Path)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	info, err := qemuimg.ReadInfo(ctx, src)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	if err := r.OverlayDisk(ctx, src, "image."+r.image.Format, r.image.Format, info.VirtualSize, false); err != nil {
		return guestrun.Fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the overlay goes with the working directory
// or the storage step's volumes.
func (stepOverlay) Cleanup(multistep.StateBag) {}
