// Package verify is the centos-verify post-processor: it boots the image a
// build produced on a throwaway overlay, proves it against a spec with the
// verifier engine, and fails the build on any failed check. The image
// itself is only ever read.
package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// pluginType names this post-processor in configuration decoding.
const pluginType = "packer-centos.verify"

// PostProcessor is centos-verify.
type PostProcessor struct {
	config Config
}

// ConfigSpec is the HCL2 schema of the post-processor block, including
// the inline check blocks.
func (p *PostProcessor) ConfigSpec() hcldec.ObjectSpec { return hcl2Spec(&p.config) }

// Configure decodes and checks the configuration and the spec.
func (p *PostProcessor) Configure(raws ...interface{}) error {
	return p.config.Prepare(raws...)
}

// PostProcess verifies the artifact's image and passes the artifact on,
// with the report files, when every check passed.
func (p *PostProcessor) PostProcess(ctx context.Context, ui packersdk.Ui, in packersdk.Artifact) (packersdk.Artifact, bool, bool, error) {
	driver, closeDriver, err := guestrun.Open(p.config.LibvirtURI, ui)
	if err != nil {
		return in, true, false, fmt.Errorf("verify: %w", err)
	}
	defer closeDriver()
	out, err := p.verify(ctx, ui, in, driver)
	return out, true, true, err
}

func (p *PostProcessor) verify(ctx context.Context, ui packersdk.Ui, in packersdk.Artifact, driver guest.Driver) (packersdk.Artifact, error) {
	cfg := &p.config
	build := "centos-verify" // the centos-verify command has no build
	if cfg.PackerBuildName != "" {
		build += " of " + cfg.PackerBuildName
	}
	g, err := guestrun.New(driver, ui, "packer-verify-", build, cfg.LibvirtURI)
	if err != nil {
		return in, err
	}
	r := &verifyRun{Run: g, config: cfg, artifact: in}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("ui", ui)
	start := time.Now()
	runner := commonsteps.NewRunner(p.steps(), cfg.PackerConfig, ui)
	runner.Run(ctx, state)

	// Cancelled first: a step that failed because of the cancel would
	// otherwise speak for it.
	failure, _ := state.Get("error").(error)
	if ctx.Err() != nil {
		failure = errors.New("verify was cancelled")
	}
	if err := r.checkImageUnchanged(ctx); err != nil {
		failure = errors.Join(failure, err)
	}
	files, err := r.writeReports(failure, time.Since(start))
	if err != nil {
		failure = errors.Join(failure, err)
	}
	if failure == nil {
		failure = r.report.Err()
	}
	ui.Say("Verify timings: " + r.Timings.String())
	if failure != nil {
		return in, fmt.Errorf("verify %s: %w", r.image.Path, failure)
	}
	ui.Say(fmt.Sprintf("Verified %s: %s", r.image.Path, r.report.Summary()))
	return &Artifact{Artifact: in, image: r.image.Path, reports: files, summary: r.report.Summary()}, nil
}

// steps is the verification, in order. With cloud_init = false the guest
// gets no seed and no temporary key: it is logged into with what the
// image already has. With reboot = false there is no second boot.
func (p *PostProcessor) steps() []multistep.Step {
	cfg := &p.config
	cloud := cfg.cloudInit()
	return []multistep.Step{
		stepLocateImage{},
		stepImageChecks{},
		&guestrun.StepReclaim{Hypervisor: &cfg.HypervisorConfig},
		&guestrun.StepCheckHost{Hypervisor: &cfg.HypervisorConfig, Machine: &cfg.MachineConfig},
		&guestrun.StepWorkDir{Prefix: "packer-centos-verify-"},
		guestrun.Timed{Name: "outputs", Step: stepCompareOutputs{}},
		&guestrun.StepStorage{Hypervisor: &cfg.HypervisorConfig},
		guestrun.Timed{Name: "overlay", Step: stepOverlay{}},
		multistep.If(cloud, &communicator.StepSSHKeyGen{CommConf: &cfg.Comm, SSHTemporaryKeyPair: cfg.Comm.SSHTemporaryKeyPair}),
		multistep.If(cloud, &guestrun.StepSeed{
			InstancePrefix: "packer-verify-",
			Hostname:       "packer-verify",
			Comm:           &cfg.Comm,
			KeyComment:     "packer-centos-verify",
		}),
		&guestrun.StepReserveAddress{},
		&guestrun.StepBoot{Machine: &cfg.MachineConfig},
		&stepConnect{},
		guestrun.Timed{Name: "checks", Step: stepRunChecks{}},
		multistep.If(cfg.reboot(), stepSecondBoot{}),
		stepBakedSecrets{},
		guestrun.Timed{Name: "shutdown", Step: &guestrun.StepShutdown{Timeout: cfg.ShutdownTimeout, Throwaway: true}},
	}
}
