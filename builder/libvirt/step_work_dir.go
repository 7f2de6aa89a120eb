package libvirt

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepWorkDir makes the private directory for the build disk, the seed
// and the console log, and removes it with everything in it at the end.
type stepWorkDir struct{}

func (stepWorkDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	dir, err := os.MkdirTemp("", "packer-centos-")
	if err != nil {
		return fail(state, fmt.Errorf("create working directory: %w", err))
	}
	// 0711: nobody may list it, but qemu, which libvirt runs as its own
	// user, must be able to reach the files inside.
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return fail(state, fmt.Errorf("restrict working directory: %w", err))
	}
	r.workDir = dir
	return multistep.ActionContinue
}

func (stepWorkDir) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	if r.workDir == "" {
		return
	}
	if err := os.RemoveAll(r.workDir); err != nil {
		r.ui.Error(fmt.Sprintf("Could not remove working directory %s: %v", r.workDir, err))
	}
}
