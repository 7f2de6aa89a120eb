package guest

import (
	"context"
	"fmt"
	"os"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/imagecache"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// Storage is where a guest's disks live on the hypervisor host: files on
// this host (a local libvirt), or volumes of a storage pool that files are
// uploaded into and downloaded from through libvirt streams (a remote
// libvirt, or storage_pool set).
type Storage interface {
	// Import makes a local file readable by the guest; format is what
	// the file holds ("qcow2", "raw").
	Import(ctx context.Context, local, name, format string) (domainxml.Disk, error)
	// Overlay creates a qcow2 of size bytes whose reads fall through to
	// base, which is never written.
	Overlay(ctx context.Context, name string, base domainxml.Disk, baseFormat string, size int64) (domainxml.Disk, error)
	// OverlayShared is Overlay, named name, over the image file src,
	// made readable as Import makes it as baseName — or, where the
	// storage keeps an image cache, over the one copy of src's content
	// every build on the hypervisor host shares.
	OverlayShared(ctx context.Context, src, baseName, format, name string, size int64) (base, disk domainxml.Disk, err error)
	// Blank creates an empty qcow2 of size bytes.
	Blank(ctx context.Context, name string, size int64) (domainxml.Disk, error)
	// Export writes disk, flattened, to the local file dst in format.
	Export(ctx context.Context, disk domainxml.Disk, dst, format, compression string) error
	// Remove deletes what the storage made outside the working directory.
	Remove(ui UI)
	// Local tells whether the hypervisor reads this host's files, so the
	// serial console can be written to a file here.
	Local() bool
}

// LocalStorage keeps disks as files in the working directory and uses
// the given local files in place.
type LocalStorage struct{ Dir WorkDir }

// Import uses the local file in place.
func (s LocalStorage) Import(_ context.Context, local, _, format string) (domainxml.Disk, error) {
	return domainxml.Disk{Path: local, Format: format}, nil
}

// Overlay creates a qcow2 overlay file in the working directory.
func (s LocalStorage) Overlay(ctx context.Context, name string, base domainxml.Disk, baseFormat string, size int64) (domainxml.Disk, error) {
	path := s.Dir.Path(name)
	if err := qemuimg.CreateOverlay(ctx, path, base.Path, baseFormat, size); err != nil {
		return domainxml.Disk{}, err
	}
	return domainxml.Disk{Path: path, Format: "qcow2"}, nil
}

// OverlayShared uses src in place, as Import does.
func (s LocalStorage) OverlayShared(ctx context.Context, src, baseName, format, name string, size int64) (base, disk domainxml.Disk, err error) {
	return importAndOverlay(ctx, s, src, baseName, format, name, size)
}

func importAndOverlay(ctx context.Context, s Storage, src, baseName, format, name string, size int64) (base, disk domainxml.Disk, err error) {
	if base, err = s.Import(ctx, src, baseName, format); err != nil {
		return base, disk, err
	}
	disk, err = s.Overlay(ctx, name, base, format, size)
	return base, disk, err
}

// Blank creates an empty qcow2 file in the working directory.
func (s LocalStorage) Blank(ctx context.Context, name string, size int64) (domainxml.Disk, error) {
	path := s.Dir.Path(name)
	if err := qemuimg.CreateBlank(ctx, path, size); err != nil {
		return domainxml.Disk{}, err
	}
	return domainxml.Disk{Path: path, Format: "qcow2"}, nil
}

// Export converts the disk file into dst with qemu-img.
func (s LocalStorage) Export(ctx context.Context, disk domainxml.Disk, dst, format, compression string) error {
	return qemuimg.Convert(ctx, disk.Path, dst, format, compression)
}

// Remove has nothing to do: the files go with the working directory.
func (LocalStorage) Remove(UI) {}

// Local is true.
func (LocalStorage) Local() bool { return true }

// PoolDriver is what pool storage needs from libvirt.
type PoolDriver interface {
	CheckPool(ctx context.Context, name string) error
	CreateVolume(ctx context.Context, pool string, v libvirtdriver.Volume) (string, error)
	CloneVolume(ctx context.Context, pool, src, name, format string) error
	DeleteVolume(ctx context.Context, pool, name string) error
	ListVolumes(ctx context.Context, pool string) ([]libvirtdriver.VolumeInfo, error)
	Upload(ctx context.Context, pool, name, local string) error
	Download(ctx context.Context, pool, name, local string) error
}

// PoolStorage keeps disks as volumes of a storage pool, named with a
// prefix unique to the run.
type PoolStorage struct {
	Driver PoolDriver
	// UI hears of every upload and download: on a remote host they take
	// a while.
	UI     UI
	Pool   string
	Prefix string
	// Dir holds local files on their way up or down.
	Dir WorkDir
	// Cache keeps shared source images in the pool; nil uploads them
	// for each run.
	Cache   *imagecache.Cache
	created []string
}

func (s *PoolStorage) create(ctx context.Context, v libvirtdriver.Volume) (domainxml.Disk, error) {
	v.Name = s.Prefix + v.Name
	path, err := s.Driver.CreateVolume(ctx, s.Pool, v)
	if err != nil {
		return domainxml.Disk{}, err
	}
	s.created = append(s.created, v.Name)
	return domainxml.Disk{Pool: s.Pool, Volume: v.Name, Path: path, Format: v.Format}, nil
}

// Import uploads the local file into a new volume.
func (s *PoolStorage) Import(ctx context.Context, local, name, format string) (domainxml.Disk, error) {
	fi, err := os.Stat(local)
	if err != nil {
		return domainxml.Disk{}, fmt.Errorf("upload %s: %w", local, err)
	}
	// The volume is created raw and receives the file's bytes as they
	// are; the domain reads them as format.
	disk, err := s.create(ctx, libvirtdriver.Volume{Name: name, Format: "raw", Capacity: uint64(fi.Size())})
	if err != nil {
		return domainxml.Disk{}, err
	}
	s.UI.Say(fmt.Sprintf("Uploading %s (%s) to volume %s of storage pool %s", local, sizes.Format(fi.Size()), disk.Volume, s.Pool))
	if err := s.Driver.Upload(ctx, s.Pool, disk.Volume, local); err != nil {
		return domainxml.Disk{}, err
	}
	disk.Format = format
	return disk, nil
}

// Overlay creates a qcow2 volume backed by base's volume.
func (s *PoolStorage) Overlay(ctx context.Context, name string, base domainxml.Disk, baseFormat string, size int64) (domainxml.Disk, error) {
	return s.create(ctx, libvirtdriver.Volume{Name: name, Format: "qcow2", Capacity: uint64(size), BackingPath: base.Path, BackingFormat: baseFormat})
}

// OverlayShared layers the overlay over the pool's cached copy of src,
// uploading src into the cache only when no intact copy is there; the
// cache is not the run's, so Remove leaves it. Without a cache it is
// Import and Overlay.
func (s *PoolStorage) OverlayShared(ctx context.Context, src, baseName, format, name string, size int64) (base, disk domainxml.Disk, err error) {
	if s.Cache == nil {
		return importAndOverlay(ctx, s, src, baseName, format, name, size)
	}
	_, err = s.Cache.Use(ctx, src, func(v libvirtdriver.VolumeInfo) error {
		base = domainxml.Disk{Pool: s.Pool, Volume: v.Name, Path: v.Path, Format: format}
		var err error
		disk, err = s.Overlay(ctx, name, base, format, size)
		return err
	})
	return base, disk, err
}

// Blank creates an empty qcow2 volume.
func (s *PoolStorage) Blank(ctx context.Context, name string, size int64) (domainxml.Disk, error) {
	return s.create(ctx, libvirtdriver.Volume{Name: name, Format: "qcow2", Capacity: uint64(size)})
}

// Export has libvirt flatten the disk into a new qcow2 volume on the
// hypervisor host, downloads it, and converts it here into dst.
func (s *PoolStorage) Export(ctx context.Context, disk domainxml.Disk, dst, format, compression string) error {
	flat := s.Prefix + "export.qcow2"
	s.UI.Say(fmt.Sprintf("Flattening volume %s into %s on the hypervisor host", disk.Volume, flat))
	// Recorded first: a cancelled copy is deleted by CloneVolume itself,
	// one that failed half-way may have left the volume.
	s.created = append(s.created, flat)
	if err := s.Driver.CloneVolume(ctx, s.Pool, disk.Volume, flat, "qcow2"); err != nil {
		return fmt.Errorf("export %s: %w", disk.Volume, err)
	}
	local := s.Dir.Path("export.qcow2")
	defer os.Remove(local)
	s.UI.Say(fmt.Sprintf("Downloading volume %s of storage pool %s", flat, s.Pool))
	if err := s.Driver.Download(ctx, s.Pool, flat, local); err != nil {
		return fmt.Errorf("export %s: %w", disk.Volume, err)
	}
	return qemuimg.Convert(ctx, local, dst, format, compression)
}

// Remove deletes every volume the storage made, newest first. It runs at
// clean-up, after a cancel too, so it does not stop for a context.
func (s *PoolStorage) Remove(ui UI) {
	ctx := context.Background()
	for i := len(s.created) - 1; i >= 0; i-- {
		if err := s.Driver.DeleteVolume(ctx, s.Pool, s.created[i]); err != nil {
			ui.Error(fmt.Sprintf("Could not delete volume %s: %v; remove it with `virsh vol-delete --pool %s %s`", s.created[i], err, s.Pool, s.created[i]))
			continue
		}
	}
	s.created = nil
}

// Local is false: the hypervisor may be another host.
func (*PoolStorage) Local() bool { return false }

// NewStorage picks where a run's disks live: files in dir when pool is
// empty, else volumes of the pool, named with prefix, which must exist
// and run.
func NewStorage(ctx context.Context, driver PoolDriver, ui UI, pool, prefix string, dir WorkDir) (Storage, error) {
	if pool == "" {
		return LocalStorage{Dir: dir}, nil
	}
	if err := driver.CheckPool(ctx, pool); err != nil {
		return nil, fmt.Errorf("storage_pool: %w", err)
	}
	return &PoolStorage{Driver: driver, UI: ui, Pool: pool, Prefix: prefix, Dir: dir}, nil
}
