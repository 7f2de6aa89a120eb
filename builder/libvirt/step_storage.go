package libvirt

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// stepStorage decides where the guest's disks live: files in the working
// directory, or — for a remote libvirt_uri or with storage_pool — volumes
// of a storage pool, uploaded and downloaded through libvirt. Cleanup
// deletes the volumes, after the domain that used them is gone.
type stepStorage struct{}

func (stepStorage) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	store, err := guest.NewStorage(r.guest.Driver, cfg.StoragePool, r.guest.Name+"-", r.workDir)
	if err != nil {
		return fail(state, err)
	}
	r.guest.Storage = store
	if cfg.UsePool() {
		r.ui.Say(fmt.Sprintf("Disks go into storage pool %s", cfg.StoragePool))
	}
	return multistep.ActionContinue
}

func (stepStorage) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	if r.guest.Storage != nil {
		r.guest.Storage.Remove(r.ui)
	}
}
