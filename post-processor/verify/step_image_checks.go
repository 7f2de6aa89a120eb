package verify

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// stepImageChecks runs the spec's host-side image checks (qemu-img check,
// format, virtual size) before the image is booted.
type stepImageChecks struct{}

func (stepImageChecks) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	r.imageResults = verifier.ImageChecker{}.Check(ctx, r.image.Path, r.config.spec.Image)
	return multistep.ActionContinue
}

func (stepImageChecks) Cleanup(multistep.StateBag) {}
