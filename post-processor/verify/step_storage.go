package verify

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
)

// stepStorage decides where the verify guest's disks live: files in the
// working directory, or — for a remote libvirt_uri or with storage_pool —
// volumes of a storage pool. Cleanup deletes the volumes.
type stepStorage struct{}

func (stepStorage) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	store, err := guest.NewStorage(r.guest.Driver, cfg.StoragePool, r.guest.Name+"-", r.workDir)
	if err != nil {
		return fail(state, err)
	}
	r.guest.Storage = store
	return multistep.ActionContinue
}

func (stepStorage) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	if r.guest.Storage != nil {
		r.guest.Storage.Remove(r.ui)
	}
}
