package ownership

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// WorkDirPattern matches the working directories of every run of the
// plugin under $TMPDIR.
const WorkDirPattern = "packer-centos-*"

// Libvirt is what reclaiming needs from libvirt.
type Libvirt interface {
	OwnedDomains(ctx context.Context, namespace string) ([]libvirtdriver.OwnedDomain, error)
	DestroyDomain(ctx context.Context, name string) error
	UndefineDomain(ctx context.Context, name string) error
	Network(ctx context.Context, name string) (libvirtdriver.Network, error)
	RemoveDHCPHost(ctx context.Context, network string, h libvirtdriver.DHCPHost) error
	ListVolumes(ctx context.Context, pool string) ([]libvirtdriver.VolumeInfo, error)
	DeleteVolume(ctx context.Context, pool, name string) error
}

// Reclaimer removes what runs whose owner is gone left behind.
type Reclaimer struct {
	Libvirt Libvirt
	Host    Host
	// URI is the connection Libvirt talks through: a record made through
	// another one names objects this connection may not see, and waits
	// for a run that uses it.
	URI string
	// TempDir is where the working directories are.
	TempDir string
	// Say reports each object reclaimed, Warn one that could not be.
	Say, Warn func(string)
}

// found is one run as the records tell of it.
type found struct {
	rec     Record
	defined bool   // its domain is defined on this connection
	file    string // its record file, when its working directory is left
}

// Run reclaims every object of a run whose owner is gone, one line each,
// and tells how many it reclaimed. Objects of live owners, of other
// hosts and without a record are left alone. Problems with one object
// are warnings: they do not stop the others, nor the run that reclaims.
func (r Reclaimer) Run(ctx context.Context) int {
	runs := r.records(ctx)
	names := make([]string, 0, len(runs))
	for name := range runs {
		names = append(names, name)
	}
	sort.Strings(names)
	n := 0
	for _, name := range names {
		if ctx.Err() != nil {
			break
		}
		f := runs[name]
		state, why := r.Host.Check(f.rec.Owner)
		if state != Gone {
			log.Printf("[DEBUG] ownership: leaving run %s of %s: %s", name, f.rec.Owner, why)
			continue
		}
		if !f.defined && f.rec.URI != r.URI {
			log.Printf("[DEBUG] ownership: leaving run %s until a run connects to %s", name, f.rec.URI)
			continue
		}
		n += r.reclaim(ctx, f, why)
	}
	return n
}

// records gathers the runs from the working directories and from the
// domains' metadata, by domain name.
func (r Reclaimer) records(ctx context.Context) map[string]*found {
	runs := map[string]*found{}
	files, _ := filepath.Glob(filepath.Join(r.TempDir, WorkDirPattern, FileName))
	for _, file := range files {
		rec, err := ReadFile(file)
		if err != nil {
			r.Warn(fmt.Sprintf("Warning: ignoring working directory %s: %v", filepath.Dir(file), err))
			continue
		}
		runs[rec.Domain] = &found{rec: rec, file: file}
	}
	domains, err := r.Libvirt.OwnedDomains(ctx, Namespace)
	if err != nil {
		r.Warn(fmt.Sprintf("Warning: could not look for domains left by killed runs: %v", err))
		return runs
	}
	for _, d := range domains {
		rec, err := ParseMetadata(d.Metadata)
		if err != nil || rec.Domain != d.Name {
			log.Printf("[DEBUG] ownership: domain %s has a record that is not its own: %v", d.Name, err)
			continue
		}
		f := runs[d.Name]
		if f == nil {
			f = &found{}
			runs[d.Name] = f
		}
		// The domain's record is the one libvirt holds; a working
		// directory only adds itself.
		f.rec, f.defined = rec, true
	}
	return runs
}

// reclaim removes one run's objects, newest first as its own clean-up
// would, and counts them.
func (r Reclaimer) reclaim(ctx context.Context, f *found, why string) int {
	rec, n := f.rec, 0
	done := func(what string) {
		r.Say(fmt.Sprintf("Reclaimed %s of %s: %s", what, rec.Owner, why))
		n++
	}
	warn := func(what string, err error) {
		r.Warn(fmt.Sprintf("Warning: could not reclaim %s of %s: %v", what, rec.Owner, err))
	}
	if f.defined {
		what := "domain " + rec.Domain
		if err := r.removeDomain(ctx, rec.Domain); err != nil {
			warn(what, err)
		} else {
			done(what)
		}
	}
	if rec.MAC != "" {
		what := fmt.Sprintf("DHCP reservation %s (MAC %s) on network %s", rec.IP, rec.MAC, rec.Network)
		switch found, err := r.removeReservation(ctx, rec); {
		case err != nil:
			warn(what, err)
		case found:
			done(what)
		}
	}
	if rec.Pool != "" {
		vols, err := r.Libvirt.ListVolumes(ctx, rec.Pool)
		if err != nil && !errors.Is(err, libvirtdriver.ErrNotFound) {
			warn("the volumes in storage pool "+rec.Pool, err)
		}
		for _, v := range vols {
			if !strings.HasPrefix(v.Name, rec.VolumePrefix()) {
				continue
			}
			what := fmt.Sprintf("volume %s of storage pool %s", v.Name, rec.Pool)
			if err := r.Libvirt.DeleteVolume(ctx, rec.Pool, v.Name); err != nil {
				warn(what, err)
			} else {
				done(what)
			}
		}
	}
	// Only a directory found under TempDir with its record in it: a
	// path from a domain's metadata is never removed on its word.
	if f.file != "" {
		dir := filepath.Dir(f.file)
		what := "working directory " + dir
		if err := os.RemoveAll(dir); err != nil {
			warn(what, err)
		} else {
			done(what)
		}
	}
	return n
}

func (r Reclaimer) removeDomain(ctx context.Context, name string) error {
	if err := r.Libvirt.DestroyDomain(ctx, name); err != nil {
		return err
	}
	return r.Libvirt.UndefineDomain(ctx, name)
}

// removeReservation drops the run's reservation if the network still has
// it, for the same MAC and address.
func (r Reclaimer) removeReservation(ctx context.Context, rec Record) (bool, error) {
	net, err := r.Libvirt.Network(ctx, rec.Network)
	if errors.Is(err, libvirtdriver.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ip, err := netip.ParseAddr(rec.IP)
	if err != nil {
		return false, fmt.Errorf("address %q: %w", rec.IP, err)
	}
	for _, h := range net.Hosts {
		if strings.EqualFold(h.MAC, rec.MAC) && h.IP == ip {
			return true, r.Libvirt.RemoveDHCPHost(ctx, rec.Network, h)
		}
	}
	return false, nil
}
