package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// stepWorkDir makes the private directory (under $TMPDIR, never next to
// the image) for the overlay, the seed and the console log, and removes it
// at the end.
type stepWorkDir struct{}

func (stepWorkDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	dir, err := guest.MakeWorkDir("packer-centos-verify-")
	if err != nil {
		return fail(state, err)
	}
	r.workDir = dir
	r.guest.ConsoleLog = filepath.Join(dir, "console.log")
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
