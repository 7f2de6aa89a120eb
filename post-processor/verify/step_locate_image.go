package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/builder/libvirt"
	"github.com/packer-centos/packer-plugin-centos/internal/centos"
)

// stepLocateImage finds the image in the input artifact, notes its
// checksum before anything happens, and what the build knows about it.
type stepLocateImage struct{}

func (stepLocateImage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	img, err := locateImage(ctx, r.artifact)
	if err != nil {
		return fail(state, err)
	}
	if img.sha256 == "" {
		if img.sha256, err = sha256File(img.path); err != nil {
			return fail(state, err)
		}
	}
	r.image = img
	r.buildKey, _ = r.artifact.State(libvirt.StateBuildKey).(string)
	if v, ok := r.artifact.State(libvirt.StateCentOSVersion).(string); ok {
		if rel, ok := centos.Lookup(v); ok {
			r.minX86Level = rel.MinX86Level
		}
	}
	r.ui.Say(fmt.Sprintf("Verifying %s (%s, sha256 %s)", img.path, img.format, shortSum(img.sha256)))
	return multistep.ActionContinue
}

func (stepLocateImage) Cleanup(multistep.StateBag) {}

func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return strings.TrimSpace(s)
}
