// Package libvirt is the centos-libvirt builder: it boots a CentOS cloud
// image (or installs CentOS from an ISO) under libvirt, provisions it over
// SSH and exports the disk.
package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

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
	driver, closeDriver, err := guestrun.Open(b.config.LibvirtURI, ui)
	if err != nil {
		return nil, err
	}
	defer closeDriver()
	return b.run(ctx, ui, hook, driver)
}

func (b *Builder) run(ctx context.Context, ui packersdk.Ui, hook packersdk.Hook, driver guest.Driver) (packersdk.Artifact, error) {
	cfg := &b.config
	g, err := guestrun.New(driver, ui, "packer-"+cfg.VMName+"-", "centos-libvirt."+cfg.PackerBuildName, cfg.LibvirtURI)
	if err != nil {
		return nil, err
	}
	g.MinX86Level, g.Release = cfg.release.MinX86Level, cfg.release.Name
	r := &buildRun{Run: g, config: cfg}
	state := new(multistep.BasicStateBag)
	state.Put("run", r)
	state.Put("config", cfg)
	state.Put("ui", ui)
	state.Put("hook", hook)

	runner := commonsteps.NewRunner(b.steps(), cfg.PackerConfig, ui)
	runner.Run(ctx, state)
	ui.Say("Phase timings: " + r.Timings.String())

	// Cancelled first: a step that failed because of the cancel would
	// otherwise speak for it.
	if ctx.Err() != nil {
		return nil, errors.New("build was cancelled")
	}
	if err, ok := state.GetOk("error"); ok {
		return nil, err.(error)
	}
	if _, ok := r.primary(); !ok {
		return nil, errors.New("build ended without an image")
	}
	timings, timingsFile, err := writeTimings(cfg.OutputDirectory, r.Timings.Record("build"))
	if err != nil {
		return nil, err
	}
	generated, _ := state.Get("generated_data").(map[string]interface{})
	source, compose := sourceImageURL(state, cfg), ""
	if r.source != nil {
		compose = r.source.Compose
	}
	return &Artifact{
		dir:           cfg.OutputDirectory,
		outputs:       r.outputs,
		checksumFile:  filepath.Join(cfg.OutputDirectory, checksumFile),
		sourceImage:   source,
		sourceName:    sourceImageName(source),
		sourceCompose: compose,
		centosVersion: cfg.CentOSVersion,
		buildKey:      strings.TrimSpace(string(cfg.Comm.SSHPublicKey)),
		servedFiles:   cfg.servedFiles(),
		generatedData: generated,
		timings:       timings,
		timingsFile:   timingsFile,
	}, nil
}

// steps is the build, in order. Steps that only some builds need are
// gated here, not inside their Run.
func (b *Builder) steps() []multistep.Step {
	cfg := &b.config
	iso := cfg.iso()
	return []multistep.Step{
		&guestrun.StepReclaim{Hypervisor: &cfg.HypervisorConfig},
		&guestrun.StepCheckHost{Hypervisor: &cfg.HypervisorConfig, Machine: &cfg.MachineConfig},
		multistep.If(cfg.preset != nil, guestrun.Timed{Name: "resolve", Step: stepResolveSource{}}),
		guestrun.Timed{Name: "download", Step: &stepDownload{}},
		&commonsteps.StepOutputDir{Force: cfg.PackerForce, Path: cfg.OutputDirectory},
		&guestrun.StepWorkDir{Prefix: "packer-centos-"},
		&guestrun.StepStorage{Hypervisor: &cfg.HypervisorConfig, ImageCache: &cfg.ImageCacheConfig},
		guestrun.Timed{Name: "disk", Step: stepCreateDisk{}},
		&communicator.StepSSHKeyGen{CommConf: &cfg.Comm, SSHTemporaryKeyPair: cfg.Comm.SSHTemporaryKeyPair},
		multistep.If(cfg.PackerDebug, &stepDumpSSHKey{communicator.StepDumpSSHKey{
			Path: fmt.Sprintf("%s.pem", cfg.PackerBuildName),
			SSH:  &cfg.Comm.SSH,
		}}),
		// A cloud image boots by itself, given a cloud-init seed.
		multistep.If(!iso, &guestrun.StepSeed{
			InstancePrefix: "packer-",
			Hostname:       cfg.Hostname,
			UserData:       cfg.userData,
			Comm:           &cfg.Comm,
			KeyComment:     tempKeyComment,
		}),
		&guestrun.StepReserveAddress{},
		// From an ISO, the installer first puts the system on the disk.
		multistep.If(iso && cfg.servesHTTP(), &stepHTTPServer{}),
		multistep.If(iso, stepRenderKickstart{}),
		multistep.If(iso && cfg.KickstartDelivery == deliverCDROM, stepCreateOEMDRV{}),
		multistep.If(iso && cfg.BootMode == bootKernel, stepExtractKernel{}),
		multistep.If(iso, guestrun.Timed{Name: "install", Step: stepInstall{}}),
		&guestrun.StepBoot{Machine: &cfg.MachineConfig},
		&stepConnect{},
		guestrun.Timed{Name: "provision", Step: new(commonsteps.StepProvision)},
		stepRemoveSSHKey{},
		multistep.If(cfg.generalizes(), guestrun.Timed{Name: "generalize", Step: stepGeneralize{}}),
		guestrun.Timed{Name: "shutdown", Step: &guestrun.StepShutdown{Timeout: cfg.ShutdownTimeout, Command: cfg.ShutdownCommand}},
		guestrun.Timed{Name: "export", Step: stepExport{}},
		multistep.If(cfg.pushes(), guestrun.Timed{Name: "push", Step: stepPush{}}),
	}
}

// tempKeyComment marks the key the builder puts into the guest, so it can
// be told apart in authorized_keys.
const tempKeyComment = "packer-centos-build"

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

// sourceImageName is the file name in a source URL, without its query.
func sourceImageName(u string) string {
	if parsed, err := url.Parse(u); err == nil && parsed.Path != "" {
		return path.Base(parsed.Path)
	}
	return path.Base(u)
}
