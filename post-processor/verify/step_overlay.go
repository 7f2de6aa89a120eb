package verify

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// stepOverlay layers a throwaway qcow2 over the image (or, with a storage
// pool, over its upload): the guest writes only to the overlay, and qemu
// opens the image itself read-only.
type stepOverlay struct{}

func (stepOverlay) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	src, err := filepath.Abs(r.image.path)
	if err != nil {
		return fail(state, err)
	}
	info, err := qemuimg.ReadInfo(ctx, src)
	if err != nil {
		return fail(state, err)
	}
	store := r.guest.Storage
	base, err := store.Import(ctx, src, "image."+r.image.format, r.image.format)
	if err != nil {
		return fail(state, err)
	}
	if r.overlay, err = store.Overlay(ctx, "overlay.qcow2", base, r.image.format, info.VirtualSize); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the overlay goes with the working directory
// or the storage step's volumes.
func (stepOverlay) Cleanup(multistep.StateBag) {}
