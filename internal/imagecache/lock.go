package imagecache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

// lockRecord is what a lock volume holds.
type lockRecord struct {
	Owner ownership.Owner `json:"owner"`
	// Beat counts the holder's heartbeats: a lock whose beat has not
	// moved for staleAfter belongs to a holder that died.
	Beat int `json:"beat"`
}

// The lock's timing; tests shorten it.
var (
	heartbeat  = 10 * time.Second
	staleAfter = 60 * time.Second
	pollEvery  = time.Second
)

// lock takes the image's lock, waiting for another holder when wait is
// set (errBusy otherwise), and returns the release. A lock whose holder
// is gone from this host is broken at once; one of another host once its
// heartbeat has stood still for staleAfter.
func (c *Cache) lock(ctx context.Context, sum string, wait bool) (func(), error) {
	name := lockName(sum)
	var (
		lastBeat  = -1
		beatSince time.Time
		told      bool
	)
	for {
		if _, err := c.Driver.CreateVolume(ctx, c.Pool, libvirtdriver.Volume{Name: name, Format: "raw", Capacity: smallVolume}); err == nil {
			return c.hold(ctx, name)
		} else if !errors.Is(err, libvirtdriver.ErrExists) {
			return nil, fmt.Errorf("image cache: lock %s: %w", short(sum), err)
		}
		var held lockRecord
		breakLock := func(why string) error {
			c.Say(fmt.Sprintf("Breaking the image cache lock of %s: %s", held.Owner, why))
			if err := c.Driver.DeleteVolume(ctx, c.Pool, name); err != nil {
				return fmt.Errorf("image cache: break lock %s: %w", short(sum), err)
			}
			return nil
		}
		if c.readJSON(ctx, name, &held) == nil {
			if state, why := c.Host.Check(held.Owner); state == ownership.Gone {
				if err := breakLock(why); err != nil {
					return nil, err
				}
				continue
			}
		}
		// A lock just made may not hold its record yet; that counts as
		// a beat of zero.
		if held.Beat != lastBeat || beatSince.IsZero() {
			lastBeat, beatSince = held.Beat, time.Now()
		} else if time.Since(beatSince) > staleAfter {
			if err := breakLock(fmt.Sprintf("no heartbeat for %s", staleAfter)); err != nil {
				return nil, err
			}
			continue
		}
		if !wait {
			return nil, errBusy
		}
		if !told {
			holder := "another run"
			if held.Owner.PID != 0 {
				holder = held.Owner.String()
			}
			c.Say(fmt.Sprintf("Waiting for %s, which holds cached image %s", holder, short(sum)))
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("image cache: wait for lock %s: %w", short(sum), ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// hold writes this run's record into the lock it made and keeps it
// beating until released. The release runs at most once, and also after
// a cancel.
func (c *Cache) hold(ctx context.Context, name string) (func(), error) {
	rec := lockRecord{Owner: c.Owner}
	if err := c.writeJSON(ctx, name, rec); err != nil {
		c.Driver.DeleteVolume(context.WithoutCancel(ctx), c.Pool, name)
		return nil, err
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(heartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				rec.Beat++
				c.writeJSON(ctx, name, rec)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			if err := c.Driver.DeleteVolume(context.WithoutCancel(ctx), c.Pool, name); err != nil {
				c.Say(fmt.Sprintf("Warning: could not release image cache lock %s: %v; remove it with `virsh vol-delete --pool %s %s`", name, err, c.Pool, name))
			}
		})
	}, nil
}
