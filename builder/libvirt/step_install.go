package libvirt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/template/interpolate"

	"github.com/packer-centos/packer-plugin-centos/internal/bootkeys"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepInstall runs the installer: a domain with the ISO (and the OEMDRV
// CD), started from the ISO's boot menu with the typed boot command or
// from its kernel directly, until the installer powers off or reboots — a
// reboot ends the domain too. It must finish within install_timeout; the
// domain is then removed, and the installed disk booted on its own.
type stepInstall struct{}

// bootCommandData is what boot_command templates see.
type bootCommandData struct {
	HTTPIP       string
	HTTPPort     int
	KickstartArg string
	Name         string
}

func (stepInstall) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	iso, err := r.Guest.Storage.Import(ctx, state.Get("iso_path").(string), "installer.iso", "raw")
	if err != nil {
		return guestrun.Fail(state, err)
	}
	spec := r.DomainSpec(&cfg.MachineConfig)
	spec.CDROMs = append(spec.CDROMs, iso)
	if r.oemdrv != (domainxml.Disk{}) {
		spec.CDROMs = append(spec.CDROMs, r.oemdrv)
	}
	spec.StopOnReboot = true
	if cfg.BootMode == bootKernel {
		spec.Kernel, spec.Initrd = r.kernel, r.initrd
		spec.Cmdline = strings.Join(nonEmpty(r.stage2, r.kickstartArg(), "inst.text", cfg.KernelArgs, "console=tty0", "console=ttyS0,115200"), " ")
	} else {
		spec.BootFromCDROM = true
	}
	r.UI.Say("Starting the installer")
	if err := r.Guest.Start(ctx, spec); err != nil {
		return guestrun.Fail(state, err)
	}
	if cfg.BootMode == bootMenu {
		if err := typeBootCommand(ctx, r); err != nil {
			if ctx.Err() != nil {
				return multistep.ActionHalt
			}
			return guestrun.Fail(state, r.Guest.WithConsole(err))
		}
	}
	r.UI.Say(fmt.Sprintf("Waiting for the installer to finish (install_timeout %s)...", cfg.InstallTimeout))
	waitCtx, cancel := context.WithTimeout(ctx, cfg.InstallTimeout)
	defer cancel()
	if err := r.Guest.Driver.WaitStopped(waitCtx, r.Guest.Name); err != nil {
		if ctx.Err() != nil {
			return multistep.ActionHalt
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("the installation did not finish within install_timeout (%s)", cfg.InstallTimeout)
		}
		return guestrun.Fail(state, r.Guest.WithConsole(err))
	}
	r.UI.Say(fmt.Sprintf("The installer finished after %s", guestrun.Seconds(time.Since(r.Guest.BootStarted))))
	r.Guest.Remove()
	return multistep.ActionContinue
}

func (stepInstall) Cleanup(state multistep.StateBag) {
	runOf(state).Guest.Remove()
}

// typeBootCommand waits boot_wait, then types the boot command.
func typeBootCommand(ctx context.Context, r *buildRun) error {
	cfg := r.config
	r.UI.Say(fmt.Sprintf("Waiting %s (boot_wait) for the boot menu...", cfg.BootWait))
	select {
	case <-time.After(cfg.BootWait):
	case <-ctx.Done():
		return ctx.Err()
	}
	ictx := cfg.ctx
	ictx.Data = bootCommandData{HTTPIP: r.httpIP, HTTPPort: r.httpPort, KickstartArg: r.kickstartArg(), Name: r.Guest.Name}
	command, err := interpolate.Render(cfg.flatBootCommand(), &ictx)
	if err != nil {
		return fmt.Errorf("render boot_command: %w", err)
	}
	r.UI.Say("Typing the boot command")
	return bootkeys.Type(ctx, command, cfg.BootKeyInterval, func(codes []uint) error {
		return r.Guest.Driver.SendKeys(ctx, r.Guest.Name, codes)
	})
}

// kickstartArg tells Anaconda where the kickstart is. On the OEMDRV CD
// it needs no argument: Anaconda looks there by itself.
func (r *buildRun) kickstartArg() string {
	if r.config.KickstartDelivery == deliverCDROM {
		return ""
	}
	return "inst.ks=http://" + net.JoinHostPort(r.httpIP, strconv.Itoa(r.httpPort)) + kickstartPath
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
