package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// stepRunChecks runs the built-in and the spec's checks in the guest.
// Failed checks do not halt the run: the guest is still shut down and the
// reports written; the post-processor fails afterwards.
type stepRunChecks struct{}

func (stepRunChecks) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	spec := r.config.spec
	facts := verifier.Facts{BootDuration: r.bootTime, ServedFiles: r.image.ServedFiles}
	if r.image.BuildKey != "" {
		facts.ForbiddenKeys = []string{r.image.BuildKey}
	}
	if key := strings.TrimSpace(string(r.config.Comm.SSHPublicKey)); key != "" && r.config.cloudInit() {
		facts.LoginKeys = []string{key}
		if u := r.config.Comm.SSHUsername; u != "root" {
			facts.LoginUser = u
		}
	}
	r.UI.Say(fmt.Sprintf("Running %d checks, %d at a time", len(verifier.BuiltinChecks(spec.Settings))+len(spec.Checks), spec.Settings.Parallel))
	report := verifier.Verify(ctx, r.exec, spec, facts)
	report.Results = append(append([]verifier.Result(nil), r.imageResults...), report.Results...)
	r.report = report
	if ctx.Err() != nil {
		return multistep.ActionHalt
	}
	return multistep.ActionContinue
}

func (stepRunChecks) Cleanup(multistep.StateBag) {}
