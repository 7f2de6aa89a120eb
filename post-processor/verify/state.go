package verify

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/verifier"
	"github.com/packer-centos/packer-plugin-centos/verifier/sshexec"
)

// verifyRun is what the steps of one verification learn and hand on.
type verifyRun struct {
	config   *Config
	ui       packersdk.Ui
	artifact packersdk.Artifact
	guest    *guest.Guest

	image image
	// buildKey is the key the build gave the guest, which must be gone.
	buildKey string
	// minX86Level is what the image's CentOS release needs.
	minX86Level int

	workDir guest.WorkDir
	// overlay and seed are as the hypervisor sees them (files or volumes).
	overlay domainxml.Disk
	seed    domainxml.Disk

	exec     *sshexec.Executor
	bootTime time.Duration
	// checksTime and shutdownTime are the other phases of the run.
	checksTime   time.Duration
	shutdownTime time.Duration

	// imageResults come from the host-side image checks, guestResults
	// from the checks run in the guest.
	imageResults []verifier.Result
	report       *verifier.Report
}

// timings renders the phases of the run for the build output.
func (r *verifyRun) timings(total time.Duration) string {
	return fmt.Sprintf("Verify timings: boot→SSH %.1fs, checks %.1fs, shutdown %.1fs (total %.1fs)",
		r.bootTime.Seconds(), r.checksTime.Seconds(), r.shutdownTime.Seconds(), total.Seconds())
}

func runOf(state multistep.StateBag) *verifyRun {
	return state.Get("run").(*verifyRun)
}

// fail records err as the run's error and halts.
func fail(state multistep.StateBag, err error) multistep.StepAction {
	state.Put("error", err)
	runOf(state).ui.Error(err.Error())
	return multistep.ActionHalt
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
