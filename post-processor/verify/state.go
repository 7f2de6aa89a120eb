package verify

import (
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/sshexec"
)

// verifyRun is what the steps of one verification learn and hand on; the
// guest's part, which the shared steps use, is the embedded guestrun.Run.
type verifyRun struct {
	*guestrun.Run
	config   *Config
	artifact packersdk.Artifact

	// image is under verification; its SHA256 is taken before the guest
	// boots and must not change.
	image artifact.Image

	exec     *sshexec.Executor
	bootTime time.Duration

	// imageResults come from the host-side image checks, report from the
	// checks run in the guest.
	imageResults []verifier.Result
	report       *verifier.Report
}

func runOf(state multistep.StateBag) *verifyRun {
	return state.Get("run").(*verifyRun)
}
