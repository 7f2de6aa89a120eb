// Package guestrun holds the steps of a guest's run that the builder and
// the verify post-processor share: settle the host, make the working
// directory and the storage, write the cloud-init seed, reserve the
// address, boot the domain and shut it down, each cleaning up after
// itself. A component's own run embeds Run, and its step list
// (Builder.steps, PostProcessor.steps) puts these steps between its own.
package guestrun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
	"github.com/packer-centos/packer-plugin-centos/version"
)

// Run is what the shared steps of one run learn and hand on. It lives in
// the state bag under "run", embedded in the component's own run.
type Run struct {
	// Guest is the domain through its life.
	Guest   *guest.Guest
	UI      packersdk.Ui
	Timings *Timings
	// MinX86Level is the x86-64 level the guest's CentOS release needs
	// (1 when unknown), which picks the CPU under TCG and is checked
	// against the CPU before the guest boots; Release names the release.
	MinX86Level int
	Release     string
	// Build names the run in ownership records, and URI is the libvirt
	// connection it makes its objects through.
	Build, URI string
	// Host is this host as ownership checks see it, and Owner this
	// process as the owner of what the run makes: read once, for the
	// run's record, its reclaiming and its image cache locks.
	Host  ownership.Host
	Owner ownership.Owner

	WorkDir guest.WorkDir
	// Disk is the guest's system disk and Seed its cloud-init seed (zero
	// without one), as the hypervisor sees them (files or volumes).
	Disk domainxml.Disk
	Seed domainxml.Disk
	// Base is the image an overlay Disk is over (OverlayDisk), as the
	// hypervisor sees it.
	Base domainxml.Disk
}

// New starts a run, named build in ownership records, of a domain named
// prefix and a random suffix, so parallel runs never collide, on the
// libvirt at uri.
func New(driver guest.Driver, ui packersdk.Ui, prefix, build, uri string) (*Run, error) {
	suffix, err := randomHex(3)
	if err != nil {
		return nil, err
	}
	host, err := ownership.ThisHost()
	if err != nil {
		return nil, fmt.Errorf("ownership record: %w", err)
	}
	owner, err := host.Self(version.PluginVersion.FormattedVersion(), build)
	if err != nil {
		return nil, fmt.Errorf("ownership record: %w", err)
	}
	return &Run{
		Guest:       &guest.Guest{Driver: driver, UI: ui, Name: prefix + suffix},
		UI:          ui,
		Timings:     NewTimings(time.Now()),
		MinX86Level: 1,
		Build:       build,
		URI:         uri,
		Host:        host,
		Owner:       owner,
	}, nil
}

// GuestRun is the shared part of a component's run; the component's run
// type gets it by embedding Run.
func (r *Run) GuestRun() *Run { return r }

// Of is the run in the state bag.
func Of(state multistep.StateBag) *Run {
	return state.Get("run").(interface{ GuestRun() *Run }).GuestRun()
}

// Fail records err as the run's error, shows it, and halts.
func Fail(state multistep.StateBag, err error) multistep.StepAction {
	state.Put("error", err)
	Of(state).UI.Error(err.Error())
	return multistep.ActionHalt
}

// DomainSpec is the domain of machine with the guest's disk and seed: the
// one place a guest's devices are put together. The disk is a throwaway
// overlay or build disk, so writes may be cached unsafely; callers add
// installer media and boot settings.
func (r *Run) DomainSpec(machine *guestconfig.MachineConfig) domainxml.Spec {
	spec := machine.Spec()
	disk := r.Disk
	disk.Unsafe = true
	spec.Disks = []domainxml.Disk{disk}
	if r.Seed != (domainxml.Disk{}) {
		spec.CDROMs = []domainxml.Disk{r.Seed}
	}
	return spec
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// OverlayDisk makes the guest's disk a qcow2 of size bytes over the image
// file src (format qcow2 or raw), which the guest never writes: src, or
// its upload to the storage pool as baseName, is only read. A shared
// source image may come from, or go into, the storage's image cache.
func (r *Run) OverlayDisk(ctx context.Context, src, baseName, format string, size int64, shared bool) error {
	store := r.Guest.Storage
	if shared {
		var err error
		r.Base, r.Disk, err = store.OverlayShared(ctx, src, baseName, format, "disk.qcow2", size)
		return err
	}
	base, err := store.Import(ctx, src, baseName, format)
	if err != nil {
		return err
	}
	r.Base = base
	r.Disk, err = store.Overlay(ctx, "disk.qcow2", base, format, size)
	return err
}

// Open connects to libvirt at uri for one run. closeDriver ends the
// connection, reporting to ui a daemon that did not answer the close.
func Open(uri string, ui packersdk.Ui) (driver guest.Driver, closeDriver func(), err error) {
	conn, err := libvirtdriver.Open(uri)
	if err != nil {
		return nil, nil, fmt.Errorf("%w; check that libvirtd runs and libvirt_uri is right", err)
	}
	return conn, func() {
		if err := conn.Close(); err != nil {
			ui.Error(fmt.Sprintf("Warning: %v", err))
		}
	}, nil
}
