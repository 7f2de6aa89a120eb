package libvirt

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// stepWorkDir makes the private directory for the build disk, the seed
// and the console log, and removes it with everything in it at the end.
type stepWorkDir struct{}

func (stepWorkDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	dir, err := guest.MakeWorkDir("packer-centos-")
	if err != nil {
		return fail(state, err)
	}
	r.workDir = dir
	r.guest.ConsoleLog = dir.Path("console.log")
	return multistep.ActionContinue
}

func (stepWorkDir) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	r.workDir.Remove(r.ui)
}
