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
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// BuilderID identifies this post-processor in configuration decoding.
const BuilderID = "packer-centos.verify"

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
	conn, err := libvirtdriver.Open(p.config.LibvirtURI)
	if err != nil {
		return in, true, false, fmt.Errorf("verify: %w; check that libvirtd runs and libvirt_uri is right", err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			ui.Error(fmt.Sprintf("Warning: %v", err))
		}
	}()
	out, err := p.verify(ctx, ui, in, conn)
	return out, true, true, err
}

func (p *PostProcessor) verify(ctx context.Context, ui packersdk.Ui, in packersdk.Artifact, driver guest.Driver) (packersdk.Artifact, error) {
	cfg := &p.config
	suffix, err := randomHex(3)
	if err != nil {
		return in, err
	}
	r := &verifyRun{
		config:   cfg,
		ui:       ui,
		artifact: in,
		guest:    &guest.Guest{Driver: driver, UI: ui, Name: "packer-verify-" + suffix},
	}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("ui", ui)
	start := time.Now()
	runner := commonsteps.NewRunner(p.steps(), cfg.PackerConfig, ui)
	runner.Run(ctx, state)

	failure, _ := state.Get("error").(error)
	if failure == nil && ctx.Err() != nil {
		failure = errors.New("verify was cancelled")
	}
	if err := r.checkImageUnchanged(); err != nil {
		failure = errors.Join(failure, err)
	}
	files, err := r.writeReports(failure, time.Since(start))
	if err != nil {
		failure = errors.Join(failure, err)
	}
	if failure == nil {
		failure = r.report.Err()
	}
	ui.Say(r.timings(time.Since(start)))
	if failure != nil {
		return in, fmt.Errorf("verify %s: %w", r.image.path, failure)
	}
	ui.Say(fmt.Sprintf("Verified %s: %s", r.image.path, r.report.Summary()))
	return &Artifact{Artifact: in, image: r.image.path, reports: files, summary: r.report.Summary()}, nil
}

// steps is the verification, in order.
func (p *PostProcessor) steps() []multistep.Step {
	cfg := &p.config
	steps := []multistep.Step{
		stepLocateImage{},
		stepImageChecks{},
		stepCheckHost{},
		stepWorkDir{},
		stepStorage{},
		stepOverlay{},
	}
	if cfg.cloudInit() {
		steps = append(steps,
			&communicator.StepSSHKeyGen{CommConf: &cfg.Comm, SSHTemporaryKeyPair: cfg.Comm.SSHTemporaryKeyPair},
			stepSeed{},
		)
	}
	return append(steps,
		stepBoot{},
		&stepConnect{},
		stepRunChecks{},
		stepShutdown{},
	)
}
