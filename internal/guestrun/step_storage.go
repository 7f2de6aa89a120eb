package guestrun

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
)

// StepStorage decides where the guest's disks live: files in the working
// directory, or — for a remote libvirt_uri or with storage_pool — volumes
// of a storage pool, uploaded and downloaded through libvirt. Cleanup
// deletes the volumes, after the domain that used them is gone.
type StepStorage struct {
	Hypervisor *guestconfig.HypervisorConfig
}

// Run settles the storage.
func (s *StepStorage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	store, err := guest.NewStorage(ctx, r.Guest.Driver, r.UI, s.Hypervisor.StoragePool, r.Guest.Name+"-", r.WorkDir)
	if err != nil {
		return Fail(state, err)
	}
	r.Guest.Storage = store
	if s.Hypervisor.UsePool() {
		r.UI.Say(fmt.Sprintf("Disks go into storage pool %s", s.Hypervisor.StoragePool))
	}
	return multistep.ActionContinue
}

// Cleanup deletes the volumes the run made.
func (*StepStorage) Cleanup(state multistep.StateBag) {
	r := Of(state)
	if r.Guest.Storage != nil {
		r.Guest.Storage.Remove(r.UI)
	}
}
