package guestrun

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
	"github.com/packer-centos/packer-plugin-centos/version"
)

// StepWorkDir makes the run's private directory under $TMPDIR — never
// next to an image — for its disks, seed and console log, and removes it
// with everything in it at the end. The run's ownership record starts in
// it, before anything else of the run exists.
type StepWorkDir struct {
	// Prefix starts the directory's name.
	Prefix string
}

// Run makes the directory.
func (s *StepWorkDir) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	dir, err := guest.MakeWorkDir(s.Prefix)
	if err != nil {
		return Fail(state, err)
	}
	r.WorkDir = dir
	r.Guest.ConsoleLog = dir.Path("console.log")
	ledger, err := startLedger(r, dir)
	if err != nil {
		return Fail(state, err)
	}
	r.Guest.Ledger = ledger
	return multistep.ActionContinue
}

// startLedger writes the run's first ownership record into dir: this
// process owns the domain to be and the directory.
func startLedger(r *Run, dir guest.WorkDir) (*ownership.Ledger, error) {
	host, err := ownership.ThisHost()
	if err != nil {
		return nil, fmt.Errorf("ownership record: %w", err)
	}
	owner, err := host.Self(version.PluginVersion.FormattedVersion(), r.Build)
	if err != nil {
		return nil, fmt.Errorf("ownership record: %w", err)
	}
	return ownership.NewLedger(string(dir), ownership.Record{Owner: owner, URI: r.URI, Domain: r.Guest.Name, WorkDir: string(dir)})
}

// Cleanup removes the directory.
func (*StepWorkDir) Cleanup(state multistep.StateBag) {
	r := Of(state)
	r.WorkDir.Remove(r.UI)
}
