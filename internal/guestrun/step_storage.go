package guestrun

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/guestconfig"
	"github.com/packer-centos/packer-plugin-centos/internal/imagecache"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

// StepStorage decides where the guest's disks live: files in the working
// directory, or — for a remote libvirt_uri or with storage_pool — volumes
// of a storage pool, uploaded and downloaded through libvirt. Cleanup
// deletes the volumes, after the domain that used them is gone. With
// ImageCache, a pool keeps shared source images for later runs (package
// imagecache).
type StepStorage struct {
	Hypervisor *guestconfig.HypervisorConfig
	// ImageCache is nil for a run whose images are its own.
	ImageCache *guestconfig.ImageCacheConfig
}

// Run settles the storage.
func (s *StepStorage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	if s.Hypervisor.UsePool() {
		if err := r.Guest.Note(func(rec *ownership.Record) { rec.Pool = s.Hypervisor.StoragePool }); err != nil {
			return Fail(state, err)
		}
	}
	store, err := guest.NewStorage(ctx, r.Guest.Driver, r.UI, s.Hypervisor.StoragePool, r.Guest.Name+"-", r.WorkDir)
	if err != nil {
		return Fail(state, err)
	}
	r.Guest.Storage = store
	if pool, ok := store.(*guest.PoolStorage); ok {
		r.UI.Say(fmt.Sprintf("Disks go into storage pool %s", pool.Pool))
		if s.ImageCache != nil && s.ImageCache.Caches() {
			pool.Cache = s.cache(r, pool)
		}
	}
	return multistep.ActionContinue
}

// cache is the pool's image cache, whose locks this run's owner takes.
func (s *StepStorage) cache(r *Run, pool *guest.PoolStorage) *imagecache.Cache {
	return &imagecache.Cache{
		Driver:   r.Guest.Driver,
		Pool:     pool.Pool,
		MaxBytes: s.ImageCache.MaxBytes(),
		Owner:    r.Owner,
		Host:     r.Host,
		Dir:      string(r.WorkDir),
		Say:      r.UI.Say,
	}
}

// Cleanup deletes the volumes the run made.
func (*StepStorage) Cleanup(state multistep.StateBag) {
	r := Of(state)
	if r.Guest.Storage != nil {
		r.Guest.Storage.Remove(r.UI)
	}
}
