package guestrun

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
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
	// This process owns the domain to be and the directory.
	ledger, err := ownership.NewLedger(string(dir), ownership.Record{Owner: r.Owner, URI: r.URI, Domain: r.Guest.Name, WorkDir: string(dir)})
	if err != nil {
		return Fail(state, err)
	}
	r.Guest.Ledger = ledger
	return multistep.ActionContinue
}

// Cleanup removes the directory.
func (*StepWorkDir) Cleanup(state multistep.StateBag) {
	r := Of(state)
	r.WorkDir.Remove(r.UI)
}
