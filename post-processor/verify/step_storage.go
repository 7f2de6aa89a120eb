package verify

import (
	"context"
	"fmt"

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
	if !cfg.UsePool() {
		r.guest.Storage = guest.LocalStorage{Dir: r.workDir}
		return multistep.ActionContinue
	}
	pd, ok := r.guest.Driver.(guest.PoolDriver)
	if !ok {
		return fail(state, fmt.Errorf("this libvirt driver cannot use storage pools"))
	}
	if err := pd.CheckPool(cfg.StoragePool); err != nil {
		return fail(state, fmt.Errorf("storage_pool: %w", err))
	}
	r.guest.Storage = &guest.PoolStorage{Driver: pd, Pool: cfg.StoragePool, Prefix: r.guest.Name + "-", Dir: r.workDir}
	return multistep.ActionContinue
}

func (stepStorage) Cleanup(state multistep.StateBag) {
	r := runOf(state)
	if r.guest.Storage != nil {
		r.guest.Storage.Remove(r.ui)
	}
}
