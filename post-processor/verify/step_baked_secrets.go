package verify

import (
	"context"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// imageSerial is the serial the image as shipped has in the guest.
const imageSerial = "packer-image"

// stepBakedSecrets runs the built-ins that read the image as shipped
// (no_baked_secrets): it plugs the image, read-only, into the running
// guest after every boot — so the booted root never meets its twin with
// the same file system UUID — and runs them there. The domain goes at the
// end of the run, and the image's sha256 is checked after it.
type stepBakedSecrets struct{}

func (stepBakedSecrets) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	settings := r.config.spec.Settings
	checks := verifier.LastBuiltinChecks(settings)
	if len(checks) == 0 {
		return multistep.ActionContinue
	}
	start := time.Now()
	dev, err := r.Guest.AttachReadOnly(ctx, r.Base, "vdb", imageSerial)
	if err != nil {
		if ctx.Err() != nil {
			return multistep.ActionHalt
		}
		for _, c := range checks {
			m := c.Metadata()
			r.report.Results = append(r.report.Results, verifier.Result{Type: m.Type, Name: m.Name, Description: m.Description,
				Status: verifier.StatusError, Message: err.Error()})
		}
		return multistep.ActionContinue
	}
	results := verifier.NewRunner(settings).Run(ctx, verifier.NewGuest(r.exec, verifier.Facts{ImageDevice: dev}), checks)
	r.report.Results = append(r.report.Results, results...)
	r.Timings.Add("image as shipped", time.Since(start))
	if ctx.Err() != nil {
		return multistep.ActionHalt
	}
	return multistep.ActionContinue
}

func (stepBakedSecrets) Cleanup(multistep.StateBag) {}
