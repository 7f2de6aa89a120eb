// Package libvirt is the centos-libvirt builder: it boots a CentOS cloud
// image under libvirt, provisions it over SSH and exports the disk.
package libvirt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// BuilderID identifies artifacts made by this builder.
const BuilderID = "packer-centos.libvirt"

// Builder is the centos-libvirt builder.
type Builder struct {
	config Config
}

// ConfigSpec is the HCL2 schema of the source block.
func (b *Builder) ConfigSpec() hcldec.ObjectSpec { return b.config.FlatMapstructure().HCL2Spec() }

// Prepare decodes and checks the configuration; every mistake is
// reported at once.
func (b *Builder) Prepare(raws ...interface{}) ([]string, []string, error) {
	warnings, err := b.config.Prepare(raws...)
	return nil, warnings, err
}

// Run connects to libvirt and runs the build.
func (b *Builder) Run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook) (packersdk.Artifact, error) {
	conn, err := libvirtdriver.Open(b.config.LibvirtURI)
	if err != nil {
		return nil, fmt.Errorf("%w; check that libvirtd runs and libvirt_uri is right", err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			ui.Error(fmt.Sprintf("Warning: %v", err))
		}
	}()
	return b.run(ctx, ui, hook, conn)
}

func (b *Builder) run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook, driver guest.Driver) (packersdk.Artifact, error) {
	cfg := &b.config
	suffix, err := randomHex(3)
	if err != nil {
		return nil, err
	}
	r := &buildRun{
		config:  cfg,
		ui:      ui,
		timings: newTimings(time.Now()),
		guest:   &guest.Guest{Driver: driver, UI: ui, Name: "packer-" + cfg.VMName + "-" + suffix},
	}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("config", cfg)
	state.Put("ui", ui)
	state.Put("hook", hook)

	runner := commonsteps.NewRunner(b.steps(), cfg.PackerConfig, ui)
	runner.Run(ctx, state)
	ui.Say("Phase timings: " + r.timings.String())

	if err, ok := state.GetOk("error"); ok {
		return nil, err.(error)
	}
	if ctx.Err() != nil {
		return nil, errors.New("build was cancelled")
	}
	if r.image.path == "" {
		return nil, errors.New("build ended without an image")
	}
	generated, _ := state.Get("generated_data").(map[string]interface{})
	return &Artifact{
		dir:           cfg.OutputDirectory,
		imagePath:     r.image.path,
		format:        r.image.format,
		sha256:        r.image.sha256,
		size:          r.image.size,
		virtualSize:   r.image.virtSize,
		sourceImage:   sourceImageURL(state, cfg),
		centosVersion: cfg.CentOSVersion,
		buildKey:      strings.TrimSpace(string(cfg.Comm.SSHPublicKey)),
		generatedData: generated,
	}, nil
}

// steps is the build, in order.
func (b *Builder) steps() []multistep.Step {
	cfg := &b.config
	steps := []multistep.Step{stepCheckHypervisor{}}
	if cfg.iso() {
		steps = append(steps, timed{"download", &commonsteps.StepDownload{
			Checksum:    cfg.ISOChecksum,
			Description: "installer ISO",
			ResultKey:   "iso_path",
			Url:         cfg.ISOURLs,
			Extension:   "iso",
		}})
	} else {
		steps = append(steps, timed{"download", &commonsteps.StepDownload{
			Checksum:    cfg.SourceImageChecksum,
			Description: "source image",
			ResultKey:   "source_image_path",
			Url:         cfg.SourceImageURLs,
			Extension:   "img",
		}})
	}
	steps = append(steps,
		&commonsteps.StepOutputDir{Force: cfg.PackerForce, Path: cfg.OutputDirectory},
		stepWorkDir{},
		stepStorage{},
		timed{"disk", stepCreateDisk{}},
		&communicator.StepSSHKeyGen{CommConf: &cfg.Comm, SSHTemporaryKeyPair: cfg.Comm.SSHTemporaryKeyPair},
	)
	if cfg.PackerDebug {
		steps = append(steps, &stepDumpSSHKey{communicator.StepDumpSSHKey{
			Path: fmt.Sprintf("%s.pem", cfg.PackerBuildName),
			SSH:  &cfg.Comm.SSH,
		}})
	}
	if cfg.iso() {
		steps = append(steps,
			&stepHTTPServer{},
			stepRenderKickstart{},
			stepCreateOEMDRV{},
			stepExtractKernel{},
			stepReserveAddress{},
			timed{"install", stepInstall{}},
		)
	} else {
		steps = append(steps, stepCreateSeed{}, stepReserveAddress{})
	}
	return append(steps,
		stepCreateDomain{},
		&stepConnect{},
		timed{"provision", new(commonsteps.StepProvision)},
		stepRemoveSSHKey{},
		timed{"generalize", stepGeneralize{}},
		timed{"shutdown", stepShutdown{}},
		timed{"export", stepExport{}},
	)
}

// sourceImageURL is where the build started from: the source image or
// the installer ISO actually downloaded.
func sourceImageURL(state multistep.StateBag, cfg *Config) string {
	if u, ok := state.GetOk("SourceImageURL"); ok {
		return u.(string)
	}
	for _, urls := range [][]string{cfg.SourceImageURLs, cfg.ISOURLs} {
		if len(urls) > 0 {
			return urls[0]
		}
	}
	return ""
}
