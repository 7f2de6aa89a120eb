package guest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// poolRecorder is a PoolDriver that keeps volumes as files in a directory
// and records what was asked of it.
type poolRecorder struct {
	dir   string
	calls []string
}

func (p *poolRecorder) CheckPool(context.Context, string) error { return nil }

func (p *poolRecorder) CreateVolume(_ context.Context, pool string, v libvirtdriver.Volume) (string, error) {
	p.calls = append(p.calls, fmt.Sprintf("create %s %s %d backing=%s", v.Name, v.Format, v.Capacity, v.BackingPath))
	path := filepath.Join(p.dir, v.Name)
	if v.Format == "qcow2" {
		args := []string{"create", "-q", "-f", "qcow2", path, fmt.Sprint(v.Capacity)}
		if v.BackingPath != "" {
			args = []string{"create", "-q", "-f", "qcow2", "-b", v.BackingPath, "-F", v.BackingFormat, path, fmt.Sprint(v.Capacity)}
		}
		if out, err := exec.Command("qemu-img", args...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%v: %s", err, out)
		}
		return path, nil
	}
	return path, os.WriteFile(path, nil, 0o644)
}

func (p *poolRecorder) CloneVolume(ctx context.Context, pool, src, name, format string) error {
	p.calls = append(p.calls, "clone "+src+" "+name)
	return qemuimg.Convert(ctx, filepath.Join(p.dir, src), filepath.Join(p.dir, name), format, "none")
}

func (p *poolRecorder) DeleteVolume(_ context.Context, pool, name string) error {
	p.calls = append(p.calls, "delete "+name)
	return os.Remove(filepath.Join(p.dir, name))
}

func (p *poolRecorder) Upload(_ context.Context, pool, name, local string) error {
	p.calls = append(p.calls, "upload "+name)
	b, err := os.ReadFile(local)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p.dir, name), b, 0o644)
}

func (p *poolRecorder) ListVolumes(context.Context, string) ([]libvirtdriver.VolumeInfo, error) {
	return nil, nil
}

func (p *poolRecorder) Download(_ context.Context, pool, name, local string) error {
	p.calls = append(p.calls, "download "+name)
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	return os.WriteFile(local, b, 0o644)
}

// TestPoolStorageRoundTrip uploads an image, layers the build disk over
// it, exports the result and removes every volume, with qemu-img standing
// in for the hypervisor's storage.
func TestPoolStorageRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	ctx := context.Background()
	local := t.TempDir()
	src := filepath.Join(local, "source.qcow2")
	if err := qemuimg.CreateBlank(ctx, src, 8<<20); err != nil {
		t.Fatal(err)
	}
	rec := &poolRecorder{dir: t.TempDir()}
	dir := WorkDir(t.TempDir())
	s := &PoolStorage{Driver: rec, UI: &recordingUI{}, Pool: "default", Prefix: "packer-x-1-", Dir: dir}

	base, err := s.Import(ctx, src, "source.qcow2", "qcow2")
	if err != nil {
		t.Fatal(err)
	}
	if base.Pool != "default" || base.Volume != "packer-x-1-source.qcow2" || base.Format != "qcow2" {
		t.Errorf("imported disk = %+v", base)
	}
	disk, err := s.Overlay(ctx, "disk.qcow2", base, "qcow2", 16<<20)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(local, "out.qcow2")
	if err := s.Export(ctx, disk, out, "qcow2", "zstd"); err != nil {
		t.Fatal(err)
	}
	info, err := qemuimg.ReadInfo(ctx, out)
	if err != nil || info.VirtualSize != 16<<20 || info.BackingFile != "" {
		t.Errorf("export info = %+v, %v; want a flattened 16 MiB image", info, err)
	}
	if _, err := os.Stat(dir.Path("export.qcow2")); !os.IsNotExist(err) {
		t.Error("the downloaded export was left in the working directory")
	}
	s.Remove(&recordingUI{})
	want := []string{
		"create packer-x-1-source.qcow2 raw " + fmt.Sprint(fileSize(t, src)) + " backing=",
		"upload packer-x-1-source.qcow2",
		"create packer-x-1-disk.qcow2 qcow2 16777216 backing=" + base.Path,
		"clone packer-x-1-disk.qcow2 packer-x-1-export.qcow2",
		"download packer-x-1-export.qcow2",
		"delete packer-x-1-export.qcow2",
		"delete packer-x-1-disk.qcow2",
		"delete packer-x-1-source.qcow2",
	}
	if !reflect.DeepEqual(rec.calls, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(rec.calls, "\n"), strings.Join(want, "\n"))
	}
	if entries, _ := os.ReadDir(rec.dir); len(entries) != 0 {
		t.Errorf("volumes left: %v", entries)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestLocalStorageUsesFilesInPlace(t *testing.T) {
	dir := WorkDir(t.TempDir())
	s := LocalStorage{Dir: dir}
	d, err := s.Import(context.Background(), "/cache/source.qcow2", "source.qcow2", "qcow2")
	if err != nil || d != (domainxml.Disk{Path: "/cache/source.qcow2", Format: "qcow2"}) {
		t.Errorf("Import = %+v, %v; want the file in place", d, err)
	}
	if !s.Local() {
		t.Error("local storage is not local")
	}
}

// Ctrl-C during an upload to a pool ends the upload, and clean-up leaves
// no volume behind.
func TestPoolStorageCancelledUploadLeavesNoVolume(t *testing.T) {
	d := fake.New()
	d.AddPool("default")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.OnTransfer = func(ctx context.Context, call string) error {
		cancel() // the user presses Ctrl-C while the bytes move
		<-ctx.Done()
		return ctx.Err()
	}
	ui := &recordingUI{}
	dir := WorkDir(t.TempDir())
	store, err := NewStorage(context.Background(), d, ui, "default", "packer-x-1-", dir)
	if err != nil {
		t.Fatal(err)
	}
	local := dir.Path("source.qcow2")
	os.WriteFile(local, []byte("image"), 0o644)
	if _, err := store.Import(ctx, local, "source.qcow2", "qcow2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upload ended with %v", err)
	}
	if !strings.Contains(ui.String(), "Uploading "+local+" (5 B) to volume packer-x-1-source.qcow2 of storage pool default") {
		t.Errorf("the upload was not announced:\n%s", ui)
	}
	store.Remove(ui)
	if vols := d.Volumes("default"); len(vols) != 0 {
		t.Errorf("volumes left: %v", vols)
	}
}

func TestNewStorageNeedsAnActivePool(t *testing.T) {
	d := fake.New()
	if _, err := NewStorage(context.Background(), d, &recordingUI{}, "images", "p-", WorkDir(t.TempDir())); err == nil || !strings.Contains(err.Error(), `storage_pool: storage pool "images"`) {
		t.Errorf("missing pool: %v", err)
	}
	if s, err := NewStorage(context.Background(), d, &recordingUI{}, "", "p-", WorkDir(t.TempDir())); err != nil || !s.Local() {
		t.Errorf("no pool: %T, %v; want local storage", s, err)
	}
}
