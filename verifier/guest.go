package verifier

import (
	"context"
	"time"
)

// Facts are what the caller knows about the guest from outside it.
type Facts struct {
	// BootDuration is the time from power-on until SSH answered; zero
	// means unknown and skips the boot_time built-in.
	BootDuration time.Duration
	// ForbiddenKeys are public keys in authorized_keys format (typically
	// the build's temporary key) that must not be authorized in the image;
	// empty skips the temp_key_absent built-in.
	ForbiddenKeys []string
	// LoginKeys are the public keys the caller put into the guest to log
	// in (verify's temporary key); authorized_keys_expected accepts them.
	LoginKeys []string
	// LoginUser is the account the caller's seed made to log in, if not
	// root; no_unexpected_sudoers lets it have passwordless sudo.
	LoginUser string
	// ServedFiles are the names of the files the build served the
	// installer (the kickstart, http_directory); copies of them in the
	// image fail no_installer_leftovers.
	ServedFiles []string
	// ImageDevice is the guest's block device for the image as shipped,
	// plugged in read-only (/dev/disk/by-id/virtio-<serial>); empty skips
	// no_baked_secrets.
	ImageDevice string
}

// Guest is the machine under test as the checks see it: an executor plus
// facts learned once per run and shared between checks running in parallel.
type Guest struct {
	exec  Executor
	facts Facts
	// pollInterval paces checks that poll within one attempt.
	pollInterval time.Duration

	packageManager cached[PackageManager]
	bootTime       cached[time.Time]
}

// NewGuest returns a Guest that runs commands through exec.
func NewGuest(exec Executor, facts Facts) *Guest {
	return &Guest{
		exec:           exec,
		facts:          facts,
		pollInterval:   time.Second,
		packageManager: newCached[PackageManager](),
		bootTime:       newCached[time.Time](),
	}
}

// Facts returns what the caller told us about the guest.
func (g *Guest) Facts() Facts { return g.facts }

// Run runs one command in the guest.
func (g *Guest) Run(ctx context.Context, command string) (ExecResult, error) {
	return g.exec.Run(ctx, command)
}

// wait pauses for the poll interval or until ctx is done, whichever is first.
func (g *Guest) wait(ctx context.Context) error {
	return sleep(ctx, g.pollInterval)
}

// sleep waits d without busy-looping and gives up early when ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cached holds a value learned from the guest once per run. Failures are not
// cached: a detection cut short by one check's timeout must not poison the
// others. The one-slot channel serialises loaders while letting waiters give
// up when their own context ends.
type cached[T any] struct {
	slot chan struct{}
	ok   bool
	v    T
}

func newCached[T any]() cached[T] { return cached[T]{slot: make(chan struct{}, 1)} }

func (c *cached[T]) get(ctx context.Context, load func(context.Context) (T, error)) (T, error) {
	var zero T
	select {
	case c.slot <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	defer func() { <-c.slot }()
	if c.ok {
		return c.v, nil
	}
	v, err := load(ctx)
	if err != nil {
		return zero, err
	}
	c.v, c.ok = v, true
	return v, nil
}
