package verify

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// stepCompareOutputs proves that every other output of the build — the
// copies of the image for other targets — holds the image's disk, before
// the image is booted: an output that does not fails verification at
// once, naming it, with no boot spent on a set of outputs that is not
// one disk. The comparisons are results in the reports.
type stepCompareOutputs struct{}

func (stepCompareOutputs) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	var outputs []verifier.Output
	for _, o := range r.image.Outputs {
		if o.Path != r.image.Path {
			outputs = append(outputs, verifier.Output{Path: o.Path, Format: o.Format, SHA256: o.SHA256, ImageDigest: o.ImageDigest})
		}
	}
	if len(outputs) == 0 {
		return multistep.ActionContinue
	}
	r.UI.Say(fmt.Sprintf("Comparing %d other outputs with %s", len(outputs), r.image.Path))
	results := verifier.OutputChecker{Scratch: r.WorkDir.Path("outputs")}.Check(ctx, r.image.Path, r.image.Format, outputs)
	r.imageResults = append(r.imageResults, results...)
	for _, res := range results {
		r.UI.Say(fmt.Sprintf("  %s %s (%s): %s", res.Status, res.Name, guestrun.Seconds(res.Duration), res.Message))
	}
	if err := verifier.OutputsErr(results); err != nil {
		return guestrun.Fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepCompareOutputs) Cleanup(multistep.StateBag) {}
