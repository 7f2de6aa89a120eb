package verify

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// stepOverlay layers a throwaway qcow2 over the image: the guest writes
// only to the overlay, and qemu opens the image itself read-only.
type stepOverlay struct{}

func (stepOverlay) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	src, err := filepath.Abs(r.image.path)
	if err != nil {
		return fail(state, err)
	}
	r.overlay = r.workDir.Path("overlay.qcow2")
	if err := qemuimg.CreateOverlay(ctx, r.overlay, src, r.image.format, 0); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the overlay lives in the working directory.
func (stepOverlay) Cleanup(multistep.StateBag) {}
