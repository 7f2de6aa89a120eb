package imagecache

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// cached is one image of the cache as eviction sees it.
type cached struct {
	sum      string
	vol      libvirtdriver.VolumeInfo
	lastUsed time.Time
	// inUse: a volume of the pool is backed by it; locked: a run holds
	// its lock.
	inUse, locked bool
}

// evict deletes least recently used images, never keep nor one in use
// (a volume of the pool is backed by it, or its lock is held), until the
// images' total size is within MaxBytes.
func (c *Cache) evict(ctx context.Context, keep string) error {
	if c.MaxBytes <= 0 {
		return nil
	}
	images, total, err := c.images(ctx)
	if err != nil {
		return err
	}
	for _, img := range evictionOrder(images, keep) {
		if total <= c.MaxBytes {
			break
		}
		unlock, err := c.lock(ctx, img.sum, false)
		if errors.Is(err, errBusy) {
			continue
		}
		if err != nil {
			return err
		}
		// Looked at again under our lock: a run may have started using
		// it meanwhile.
		if current, _, err := c.images(ctx); err != nil || current[img.sum] == nil || current[img.sum].inUse {
			unlock()
			continue
		}
		for _, name := range []string{imageName(img.sum), recordName(img.sum)} {
			if err := c.Driver.DeleteVolume(ctx, c.Pool, name); err != nil {
				unlock()
				return fmt.Errorf("evict %s: %w", short(img.sum), err)
			}
		}
		unlock()
		total -= int64(img.vol.Physical)
		c.Say(fmt.Sprintf("Evicted cached image %s (%s, last used %s) from storage pool %s: the cache is over image_cache_size %s",
			short(img.sum), sizes.Format(int64(img.vol.Physical)), img.lastUsed.Local().Format(time.DateTime), c.Pool, sizes.Format(c.MaxBytes)))
	}
	return nil
}

// evictionOrder is the images that may go, least recently used first.
func evictionOrder(images map[string]*cached, keep string) []*cached {
	var order []*cached
	for sum, img := range images {
		if sum != keep && !img.inUse && !img.locked {
			order = append(order, img)
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if !order[i].lastUsed.Equal(order[j].lastUsed) {
			return order[i].lastUsed.Before(order[j].lastUsed)
		}
		return order[i].sum < order[j].sum
	})
	return order
}

// images lists the cache's images with their last use and whether
// anything uses them, and their total size.
func (c *Cache) images(ctx context.Context) (map[string]*cached, int64, error) {
	vols, err := c.Driver.ListVolumes(ctx, c.Pool)
	if err != nil {
		return nil, 0, err
	}
	images := map[string]*cached{}
	backing := map[string]bool{}
	locked := map[string]bool{}
	for _, v := range vols {
		backing[v.BackingPath] = true
		switch sum, part, _ := ParseName(v.Name); part {
		case PartImage:
			images[sum] = &cached{sum: sum, vol: v}
		case PartLock:
			locked[sum] = true
		}
	}
	var total int64
	for sum, img := range images {
		total += int64(img.vol.Physical)
		img.inUse, img.locked = backing[img.vol.Path], locked[sum]
		var rec Record
		if err := c.readJSON(ctx, recordName(sum), &rec); err == nil {
			img.lastUsed = rec.LastUsed
		}
	}
	return images, total, nil
}
