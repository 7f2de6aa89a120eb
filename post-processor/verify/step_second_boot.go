package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// stepSecondBoot reboots the guest after the first boot's checks, logs in
// again and runs the second_boot check against what the first boot left:
// an image that boots once and not twice is not fit to ship. Its result
// joins the report like any check's, and a guest that does not come back
// fails it with the end of the second boot's console.
type stepSecondBoot struct{}

func (stepSecondBoot) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	start := time.Now()
	before, err := verifier.ReadIdentity(ctx, r.exec)
	if err != nil {
		if ctx.Err() != nil {
			return multistep.ActionHalt
		}
		return guestrun.Fail(state, fmt.Errorf("before the reboot: %w", err))
	}
	r.UI.Say("Rebooting the guest for its second boot...")
	r.exec.Close()
	r.exec = nil
	if err := r.Guest.Reboot(ctx, r.config.ShutdownTimeout); err != nil {
		return r.secondBootFailed(ctx, err, start)
	}
	r.Timings.Add("reboot", time.Since(start))
	exec, err := r.connect(ctx, state)
	if err != nil {
		return r.secondBootFailed(ctx, err, start)
	}
	r.exec = exec
	toSSH := time.Since(r.Guest.BootStarted)
	r.Timings.Add("second boot→SSH", toSSH)
	r.UI.Say(fmt.Sprintf("Logged in again %.1fs after the reboot", toSSH.Seconds()))

	settings := r.config.spec.Settings
	checked := time.Now()
	results := verifier.NewRunner(settings).Run(ctx, verifier.NewGuest(exec, verifier.Facts{}),
		[]verifier.Check{verifier.SecondBootCheck(before, settings)})
	r.Timings.Add("second boot checks", time.Since(checked))
	for i := range results {
		if results[i].Status == verifier.StatusPass {
			results[i].Message = fmt.Sprintf("second boot to SSH in %.1fs", toSSH.Seconds())
		}
	}
	r.report.Results = append(r.report.Results, results...)
	if ctx.Err() != nil {
		return multistep.ActionHalt
	}
	return multistep.ActionContinue
}

// secondBootFailed records a guest that did not come back from its reboot
// as the second_boot check's failure, and halts: a guest that cannot boot
// will not power off cleanly either, and the boot step's clean-up forces
// it off. The reports are written after the steps, as always.
func (r *verifyRun) secondBootFailed(ctx context.Context, err error, start time.Time) multistep.StepAction {
	if ctx.Err() == nil {
		r.UI.Error("The guest did not come back after its reboot")
		r.report.Results = append(r.report.Results, verifier.SecondBootFailed(err, time.Since(start)))
	}
	return multistep.ActionHalt
}

func (stepSecondBoot) Cleanup(multistep.StateBag) {}
