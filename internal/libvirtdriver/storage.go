package libvirtdriver

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"

	"libvirt.org/go/libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
)

// Volume describes a storage volume to create in a pool.
type Volume struct {
	Name string
	// Format is "qcow2" or "raw".
	Format   string
	Capacity uint64 // bytes
	// BackingPath and BackingFormat layer a qcow2 volume over another
	// volume of the pool, by its path.
	BackingPath   string
	BackingFormat string
}

// volumeXML renders a volume definition.
func volumeXML(v Volume) (string, error) {
	x := libvirtxml.StorageVolume{
		Name:     v.Name,
		Capacity: &libvirtxml.StorageVolumeSize{Unit: "bytes", Value: v.Capacity},
		Target:   &libvirtxml.StorageVolumeTarget{Format: &libvirtxml.StorageVolumeTargetFormat{Type: v.Format}},
	}
	if v.BackingPath != "" {
		x.BackingStore = &libvirtxml.StorageVolumeBackingStore{
			Path:   v.BackingPath,
			Format: &libvirtxml.StorageVolumeTargetFormat{Type: v.BackingFormat},
		}
	}
	return x.Marshal()
}

func (c *Conn) pool(ctx context.Context, name string) (*libvirt.StoragePool, error) {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("look up storage pool %q: %w", name, err)
	}
	p, err := lc.LookupStoragePoolByName(name)
	if isCode(err, libvirt.ERR_NO_STORAGE_POOL) {
		return nil, fmt.Errorf("storage pool %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("look up storage pool %q: %w", name, clean(err))
	}
	return p, nil
}

// CheckPool tells whether the pool exists and runs.
func (c *Conn) CheckPool(ctx context.Context, name string) error {
	p, err := c.pool(ctx, name)
	if err != nil {
		return err
	}
	defer p.Free()
	active, err := p.IsActive()
	if err != nil {
		return fmt.Errorf("read state of storage pool %q: %w", name, clean(err))
	}
	if !active {
		return fmt.Errorf("storage pool %q is not active; start it with `virsh pool-start %s`", name, name)
	}
	return nil
}

// CreateVolume creates a volume in the pool and returns its path on the
// hypervisor host.
func (c *Conn) CreateVolume(ctx context.Context, pool string, v Volume) (string, error) {
	p, err := c.pool(ctx, pool)
	if err != nil {
		return "", err
	}
	defer p.Free()
	doc, err := volumeXML(v)
	if err != nil {
		return "", fmt.Errorf("render volume %s: %w", v.Name, err)
	}
	vol, err := p.StorageVolCreateXML(doc, 0)
	if isCode(err, libvirt.ERR_STORAGE_VOL_EXIST) {
		return "", fmt.Errorf("create volume %s in pool %q: %w", v.Name, pool, ErrExists)
	}
	if err != nil {
		return "", fmt.Errorf("create volume %s in pool %q: %w", v.Name, pool, clean(err))
	}
	defer vol.Free()
	path, err := vol.GetPath()
	if err != nil {
		return "", fmt.Errorf("locate volume %s: %w", v.Name, clean(err))
	}
	return path, nil
}

// CloneVolume copies src into a new volume of the pool, flattened (no
// backing file) and in format: libvirt converts it on the hypervisor host.
// libvirt cannot interrupt that copy once it runs, so a ctx that ends
// meanwhile makes CloneVolume delete the new volume when the copy is done
// and return ctx's error: a cancelled export leaves no volume behind.
func (c *Conn) CloneVolume(ctx context.Context, pool, src, name, format string) error {
	p, err := c.pool(ctx, pool)
	if err != nil {
		return err
	}
	defer p.Free()
	srcVol, err := p.LookupStorageVolByName(src)
	if err != nil {
		return fmt.Errorf("look up volume %s: %w", src, clean(err))
	}
	defer srcVol.Free()
	info, err := srcVol.GetInfo()
	if err != nil {
		return fmt.Errorf("read volume %s: %w", src, clean(err))
	}
	doc, err := volumeXML(Volume{Name: name, Format: format, Capacity: info.Capacity})
	if err != nil {
		return fmt.Errorf("render volume %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("copy volume %s to %s: %w", src, name, err)
	}
	vol, err := p.StorageVolCreateXMLFrom(doc, srcVol, 0)
	if err != nil {
		return fmt.Errorf("copy volume %s to %s: %w", src, name, clean(err))
	}
	defer vol.Free()
	if ctx.Err() != nil {
		if derr := vol.Delete(0); derr != nil {
			return fmt.Errorf("copy volume %s to %s: %w; deleting the copy failed: %v", src, name, ctx.Err(), clean(derr))
		}
		return fmt.Errorf("copy volume %s to %s: %w", src, name, ctx.Err())
	}
	return nil
}

// ListVolumes lists the pool's volumes.
func (c *Conn) ListVolumes(ctx context.Context, pool string) ([]VolumeInfo, error) {
	p, err := c.pool(ctx, pool)
	if err != nil {
		return nil, err
	}
	defer p.Free()
	// No refresh: libvirt refuses one while any volume is being copied.
	// A volume's XML is read fresh from its file.
	vols, err := p.ListAllStorageVolumes(0)
	if err != nil {
		return nil, fmt.Errorf("list volumes of storage pool %q: %w", pool, clean(err))
	}
	var infos []VolumeInfo
	for i := range vols {
		doc, err := vols[i].GetXMLDesc(0)
		vols[i].Free()
		if err != nil {
			continue // deleted meanwhile
		}
		info, err := parseVolume(doc)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// parseVolume reads what VolumeInfo holds from a volume's XML.
func parseVolume(doc string) (VolumeInfo, error) {
	var x libvirtxml.StorageVolume
	if err := x.Unmarshal(doc); err != nil {
		return VolumeInfo{}, fmt.Errorf("parse volume: %w", err)
	}
	info := VolumeInfo{Name: x.Name}
	if x.Capacity != nil {
		info.Capacity = sizeBytes(x.Capacity.Unit, x.Capacity.Value)
	}
	if x.Allocation != nil {
		info.Allocation = sizeBytes(x.Allocation.Unit, x.Allocation.Value)
	}
	info.Physical = info.Capacity
	if x.Physical != nil {
		info.Physical = sizeBytes(x.Physical.Unit, x.Physical.Value)
	}
	if x.Target != nil {
		info.Path = x.Target.Path
		if ts := x.Target.Timestamps; ts != nil && ts.Mtime != "" {
			ns, err := parseTimestamp(ts.Mtime)
			if err != nil {
				return VolumeInfo{}, fmt.Errorf("parse volume %s: %w", x.Name, err)
			}
			info.Modified = ns
		}
	}
	if x.BackingStore != nil {
		info.BackingPath = x.BackingStore.Path
	}
	return info, nil
}

// sizeBytes turns a libvirt size into bytes; libvirt reports bytes.
func sizeBytes(unit string, v uint64) uint64 {
	switch unit {
	case "KiB", "K", "k":
		return v << 10
	case "MiB", "M":
		return v << 20
	case "GiB", "G":
		return v << 30
	}
	return v
}

// parseTimestamp reads libvirt's "seconds.nanoseconds" into Unix
// nanoseconds.
func parseTimestamp(s string) (int64, error) {
	sec, frac, _ := strings.Cut(s, ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: %w", s, err)
	}
	var ns int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		if ns, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, fmt.Errorf("timestamp %q: %w", s, err)
		}
	}
	return secs*1e9 + ns, nil
}

// DeleteVolume removes a volume; one that does not exist is not an error.
func (c *Conn) DeleteVolume(ctx context.Context, pool, name string) error {
	return c.retry(ctx, func() error {
		p, err := c.pool(ctx, pool)
		if err != nil {
			return err
		}
		defer p.Free()
		vol, err := p.LookupStorageVolByName(name)
		if isCode(err, libvirt.ERR_NO_STORAGE_VOL) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("look up volume %s: %w", name, clean(err))
		}
		defer vol.Free()
		if err := vol.Delete(0); err != nil {
			return fmt.Errorf("delete volume %s from pool %q: %w", name, pool, clean(err))
		}
		return nil
	})
}

// Upload copies a local file into an existing volume through a libvirt
// stream, so it works against a remote hypervisor too.
func (c *Conn) Upload(ctx context.Context, pool, name, local string) error {
	f, err := os.Open(local)
	if err != nil {
		return fmt.Errorf("upload %s: %w", local, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("upload %s: %w", local, err)
	}
	return c.stream(ctx, pool, name, func(vol *libvirt.StorageVol, st *libvirt.Stream) error {
		if err := vol.Upload(st, 0, uint64(fi.Size()), 0); err != nil {
			return clean(err)
		}
		n, err := io.Copy(streamWriter{st}, ctxio.Reader(ctx, f))
		if err != nil {
			return err
		}
		// Tests count the bytes a build sends to the hypervisor here.
		log.Printf("[DEBUG] libvirt: uploaded %d bytes from %s to volume %s of pool %s", n, local, name, pool)
		return nil
	}, fmt.Sprintf("upload %s to volume %s", local, name))
}

// Download copies a volume into a local file through a libvirt stream.
func (c *Conn) Download(ctx context.Context, pool, name, local string) error {
	f, err := os.OpenFile(local, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("download volume %s: %w", name, err)
	}
	err = c.stream(ctx, pool, name, func(vol *libvirt.StorageVol, st *libvirt.Stream) error {
		if err := vol.Download(st, 0, 0, 0); err != nil {
			return clean(err)
		}
		_, err := io.Copy(ctxio.Writer(ctx, f), streamReader{st})
		return err
	}, fmt.Sprintf("download volume %s to %s", name, local))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("download volume %s: %w", name, cerr)
	}
	if err != nil {
		os.Remove(local)
	}
	return err
}

func (c *Conn) stream(ctx context.Context, pool, name string, transfer func(*libvirt.StorageVol, *libvirt.Stream) error, what string) error {
	lc, _, err := c.conn(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	p, err := c.pool(ctx, pool)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer p.Free()
	vol, err := p.LookupStorageVolByName(name)
	if err != nil {
		return fmt.Errorf("%s: %w", what, clean(err))
	}
	defer vol.Free()
	st, err := lc.NewStream(0)
	if err != nil {
		return fmt.Errorf("%s: %w", what, clean(err))
	}
	defer st.Free()
	if err := transfer(vol, st); err != nil {
		_ = st.Abort()
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := st.Finish(); err != nil {
		return fmt.Errorf("%s: %w", what, clean(err))
	}
	return nil
}

// streamWriter and streamReader make a libvirt stream an io.Writer and an
// io.Reader.
type streamWriter struct{ st *libvirt.Stream }

func (w streamWriter) Write(p []byte) (int, error) {
	n, err := w.st.Send(p)
	return n, clean(err)
}

type streamReader struct{ st *libvirt.Stream }

func (r streamReader) Read(p []byte) (int, error) {
	n, err := r.st.Recv(p)
	if err != nil {
		return n, clean(err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
