package libvirt

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/imageformat"
)

// stepPush pushes the containerdisk outputs that name a repository. It
// runs once every output is written, so a build that fails has tagged
// nothing in a registry; a push that fails fails the build, and the
// output directory goes with it.
type stepPush struct{}

func (stepPush) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	for i, o := range r.config.outputs {
		if o.repository == "" {
			continue
		}
		w := r.written[i]
		r.UI.Say(fmt.Sprintf("Pushing %s to %s", filepath.Base(w.Path), o.repository))
		progress := imageformat.StartProgress("Pushing "+filepath.Base(w.Path), r.UI.Say)
		pushed, err := w.Push(ctx, o.repository, progress.Set)
		progress.Stop()
		if err != nil {
			return guestrun.Fail(state, err)
		}
		r.outputs[i].Pushed = pushed
		r.UI.Say("Pushed " + pushed)
	}
	return multistep.ActionContinue
}

func (stepPush) Cleanup(multistep.StateBag) {}
