// Package imagecache keeps source images on a libvirt host, in a storage
// pool, as content-addressed volumes: a build against a remote hypervisor
// uploads an image once, and later builds on that host layer their disks
// over the copy already there. Each image is three volumes named by the
// sha256 of its content:
//
//	centos-cache-<sha256>.img   the image's bytes
//	centos-cache-<sha256>.json  its record: size, sha256, mtime at upload, last use
//	centos-cache-<sha256>.lock  while a run uploads, checks or evicts it
//
// The lock is a volume, which libvirt creates for one caller only; it
// holds its owner's record and a heartbeat, so a crashed holder's lock is
// broken — at once when the holder was of this host and is gone, after
// staleAfter without a heartbeat otherwise.
package imagecache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// Prefix starts the name of every volume of the cache.
const Prefix = "centos-cache-"

// Driver is what the cache needs from libvirt.
type Driver interface {
	CreateVolume(ctx context.Context, pool string, v libvirtdriver.Volume) (string, error)
	DeleteVolume(ctx context.Context, pool, name string) error
	Upload(ctx context.Context, pool, name, local string) error
	Download(ctx context.Context, pool, name, local string) error
	ListVolumes(ctx context.Context, pool string) ([]libvirtdriver.VolumeInfo, error)
}

// Cache is the image cache of one storage pool.
type Cache struct {
	Driver Driver
	Pool   string
	// MaxBytes caps the images' total size; 0 is no cap.
	MaxBytes int64
	// Owner is written into the locks this run takes; Host tells whether
	// another lock's owner is gone.
	Owner ownership.Owner
	Host  ownership.Host
	// Dir holds the small files on their way to and from the records.
	Dir string
	// Say reports uploads, reuses, waits and evictions.
	Say func(string)
}

// Record is what the cache knows of one image.
type Record struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Modified is the image volume's mtime right after the upload: a
	// later write moves it.
	Modified int64     `json:"modified"`
	Uploaded time.Time `json:"uploaded"`
	LastUsed time.Time `json:"last_used"`
	// Uploader is the run that uploaded it.
	Uploader ownership.Owner `json:"uploader"`
}

// Use is one use of a cached image.
type Use struct {
	// Volume is the image's volume.
	Volume libvirtdriver.VolumeInfo
	// Uploaded is how many bytes this run sent: the image's size, or 0
	// when it was in the cache.
	Uploaded int64
}

// The parts of a cached image, as the suffixes of their volumes' names.
const (
	PartImage  = "img"
	PartRecord = "json"
	PartLock   = "lock"
)

func imageName(sum string) string  { return Prefix + sum + "." + PartImage }
func recordName(sum string) string { return Prefix + sum + "." + PartRecord }
func lockName(sum string) string   { return Prefix + sum + "." + PartLock }

// ParseName tells whether a volume is the cache's, and of which image
// (its sha256) and part.
func ParseName(volume string) (sum, part string, ok bool) {
	rest, ok := strings.CutPrefix(volume, Prefix)
	if !ok {
		return "", "", false
	}
	sum, part, ok = strings.Cut(rest, ".")
	if !ok || len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", "", false
	}
	switch part {
	case PartImage, PartRecord, PartLock:
		return sum, part, true
	}
	return "", "", false
}

// Use puts the image file local in the cache, unless an intact copy is
// there already, and calls with while it holds the image's lock: with
// makes what keeps the image in use (an overlay backed by it), so no run
// evicts it in between. Then it evicts the least recently used images
// over MaxBytes that nothing uses.
func (c *Cache) Use(ctx context.Context, local string, with func(libvirtdriver.VolumeInfo) error) (Use, error) {
	sum, size, err := ctxio.SHA256File(ctx, local)
	if err != nil {
		return Use{}, fmt.Errorf("image cache: hash %s: %w", local, err)
	}
	unlock, err := c.lock(ctx, sum, true)
	if err != nil {
		return Use{}, err
	}
	defer unlock()
	use, err := c.ensure(ctx, local, sum, size)
	if err != nil {
		return Use{}, err
	}
	if err := with(use.Volume); err != nil {
		return Use{}, err
	}
	unlock()
	if err := c.evict(ctx, sum); err != nil {
		c.Say(fmt.Sprintf("Warning: image cache: %v", err))
	}
	return use, nil
}

// ensure makes the image's volume hold local's bytes, uploading them
// only if the cache has no intact copy, and records the use.
func (c *Cache) ensure(ctx context.Context, local, sum string, size int64) (Use, error) {
	vol, rec, err := c.entry(ctx, sum)
	if err != nil {
		return Use{}, err
	}
	use := Use{Volume: vol}
	switch problem := c.check(ctx, vol, rec, sum, size); {
	case problem == "":
		c.Say(fmt.Sprintf("Using cached image %s in storage pool %s (%s, uploaded %s): nothing to upload",
			short(sum), c.Pool, sizes.Format(size), rec.Uploaded.Local().Format(time.DateTime)))
	default:
		if vol.Name != "" {
			c.Say(fmt.Sprintf("Cached image %s in storage pool %s %s: uploading it again", short(sum), c.Pool, problem))
			if err := c.Driver.DeleteVolume(ctx, c.Pool, vol.Name); err != nil {
				return Use{}, fmt.Errorf("image cache: %w", err)
			}
		}
		if use.Volume, rec, err = c.upload(ctx, local, sum, size); err != nil {
			return Use{}, err
		}
		use.Uploaded = size
	}
	rec.LastUsed = time.Now().UTC()
	if err := c.writeRecord(ctx, rec); err != nil {
		return Use{}, err
	}
	return use, nil
}

// entry finds the image's volume and record; a zero VolumeInfo when the
// image is not there, a zero Record when it has none.
func (c *Cache) entry(ctx context.Context, sum string) (libvirtdriver.VolumeInfo, Record, error) {
	vols, err := c.Driver.ListVolumes(ctx, c.Pool)
	if err != nil {
		return libvirtdriver.VolumeInfo{}, Record{}, fmt.Errorf("image cache: %w", err)
	}
	var vol libvirtdriver.VolumeInfo
	hasRecord := false
	for _, v := range vols {
		switch v.Name {
		case imageName(sum):
			vol = v
		case recordName(sum):
			hasRecord = true
		}
	}
	if !hasRecord {
		return vol, Record{}, nil
	}
	var rec Record
	if err := c.readJSON(ctx, recordName(sum), &rec); err != nil {
		// An unreadable record is as good as none: the image is
		// uploaded again and the record rewritten.
		return vol, Record{}, nil
	}
	return vol, rec, nil
}

// check tells what is wrong with the cached copy, "" when it is intact:
// it exists, has its record, and neither its size nor its mtime moved
// since the upload. A pool that keeps no mtime is checked by reading the
// copy back and hashing it.
func (c *Cache) check(ctx context.Context, vol libvirtdriver.VolumeInfo, rec Record, sum string, size int64) string {
	switch {
	case vol.Name == "":
		return "is not there"
	case rec.SHA256 != sum:
		return "has no record of its upload (an upload that did not finish)"
	case int64(vol.Physical) != size || rec.Size != size:
		return fmt.Sprintf("is %d bytes, its record says %d", vol.Physical, rec.Size)
	case rec.Modified != 0 && vol.Modified != rec.Modified:
		return "was written after its upload"
	case rec.Modified == 0:
		got, err := c.readBackSHA256(ctx, vol.Name)
		if err != nil {
			return fmt.Sprintf("could not be read back (%v)", err)
		}
		if got != sum {
			return "does not hold what was uploaded (sha256 " + short(got) + ")"
		}
	}
	return ""
}

// upload puts local's bytes into a new image volume and records them.
func (c *Cache) upload(ctx context.Context, local, sum string, size int64) (libvirtdriver.VolumeInfo, Record, error) {
	name := imageName(sum)
	if _, err := c.Driver.CreateVolume(ctx, c.Pool, libvirtdriver.Volume{Name: name, Format: "raw", Capacity: uint64(size)}); err != nil {
		return libvirtdriver.VolumeInfo{}, Record{}, fmt.Errorf("image cache: %w", err)
	}
	c.Say(fmt.Sprintf("Uploading %s (%s) into the image cache of storage pool %s as %s", local, sizes.Format(size), c.Pool, name))
	start := time.Now()
	if err := c.Driver.Upload(ctx, c.Pool, name, local); err != nil {
		// Half a copy without a record is uploaded again by the next
		// run; deleting it now saves it the trouble.
		c.Driver.DeleteVolume(context.WithoutCancel(ctx), c.Pool, name)
		return libvirtdriver.VolumeInfo{}, Record{}, fmt.Errorf("image cache: %w", err)
	}
	c.Say(fmt.Sprintf("Uploaded %s in %.1fs", sizes.Format(size), time.Since(start).Seconds()))
	vol, _, err := c.entry(ctx, sum)
	if err != nil {
		return libvirtdriver.VolumeInfo{}, Record{}, err
	}
	if vol.Name == "" {
		return libvirtdriver.VolumeInfo{}, Record{}, fmt.Errorf("image cache: volume %s is gone right after its upload", name)
	}
	return vol, Record{SHA256: sum, Size: size, Modified: vol.Modified, Uploaded: time.Now().UTC(), Uploader: c.Owner}, nil
}

// readBackSHA256 downloads a volume and hashes it.
func (c *Cache) readBackSHA256(ctx context.Context, name string) (string, error) {
	local := filepath.Join(c.Dir, name)
	defer os.Remove(local)
	if err := c.Driver.Download(ctx, c.Pool, name, local); err != nil {
		return "", err
	}
	sum, _, err := ctxio.SHA256File(ctx, local)
	return sum, err
}

// smallVolume is the size of a record or lock volume: its JSON, padded
// with spaces, is rewritten in place, so it is never missing for a moment.
const smallVolume = 4096

// writeRecord writes the image's record, making its volume if need be.
func (c *Cache) writeRecord(ctx context.Context, rec Record) error {
	name := recordName(rec.SHA256)
	_, err := c.Driver.CreateVolume(ctx, c.Pool, libvirtdriver.Volume{Name: name, Format: "raw", Capacity: smallVolume})
	if err != nil && !errors.Is(err, libvirtdriver.ErrExists) {
		return fmt.Errorf("image cache: %w", err)
	}
	return c.writeJSON(ctx, name, rec)
}

// writeJSON writes v over the small volume name.
func (c *Cache) writeJSON(ctx context.Context, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("image cache: encode %s: %w", name, err)
	}
	if len(b) > smallVolume {
		return fmt.Errorf("image cache: %s is %d bytes, more than its volume holds", name, len(b))
	}
	local := filepath.Join(c.Dir, name)
	padded := append(b, []byte(strings.Repeat(" ", smallVolume-len(b)))...)
	if err := os.WriteFile(local, padded, 0o600); err != nil {
		return fmt.Errorf("image cache: %w", err)
	}
	defer os.Remove(local)
	if err := c.Driver.Upload(ctx, c.Pool, name, local); err != nil {
		return fmt.Errorf("image cache: %w", err)
	}
	return nil
}

// readJSON reads the small volume name into v.
func (c *Cache) readJSON(ctx context.Context, name string, v any) error {
	local := filepath.Join(c.Dir, name)
	defer os.Remove(local)
	if err := c.Driver.Download(ctx, c.Pool, name, local); err != nil {
		return err
	}
	b, err := os.ReadFile(local)
	if err != nil {
		return err
	}
	// A lock just made holds zeros until its record is written.
	b = []byte(strings.TrimRight(string(b), "\x00 "))
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", name, err)
	}
	return nil
}

// short is the start of a sha256, enough to tell images apart in a line.
func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	return sum
}

var errBusy = errors.New("the image is locked by another run")
