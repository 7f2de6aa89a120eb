package libvirtdriver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVolumeXML(t *testing.T) {
	doc, err := volumeXML(Volume{Name: "disk.qcow2", Format: "qcow2", Capacity: 3 << 30, BackingPath: "/pool/src.qcow2", BackingFormat: "qcow2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<name>disk.qcow2</name>", `<capacity unit="bytes">3221225472</capacity>`, `<format type="qcow2">`, "<path>/pool/src.qcow2</path>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("volume XML lacks %s:\n%s", want, doc)
		}
	}
}

// The test driver keeps a pool in memory: the real bindings, no daemon.
func TestConnVolumes(t *testing.T) {
	c := testConn(t)
	const pool = "default-pool"
	if err := c.CheckPool(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckPool(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), `storage pool "nope"`) {
		t.Errorf("missing pool: %v", err)
	}
	path, err := c.CreateVolume(context.Background(), pool, Volume{Name: "packer-test.raw", Format: "raw", Capacity: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, "packer-test.raw") {
		t.Errorf("volume path = %q", path)
	}
	if err := c.DeleteVolume(context.Background(), pool, "packer-test.raw"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteVolume(context.Background(), pool, "packer-test.raw"); err != nil {
		t.Errorf("deleting a missing volume: %v", err)
	}
	local := filepath.Join(t.TempDir(), "x")
	os.WriteFile(local, []byte("data"), 0o644)
	if err := c.Upload(context.Background(), pool, "nope", local); err == nil || !strings.Contains(err.Error(), "upload "+local+" to volume nope") {
		t.Errorf("upload to a missing volume: %v", err)
	}
}

func TestConnListVolumes(t *testing.T) {
	c := testConn(t)
	ctx := context.Background()
	const pool = "default-pool"
	base, err := c.CreateVolume(ctx, pool, Volume{Name: "packer-base.qcow2", Format: "qcow2", Capacity: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.DeleteVolume(ctx, pool, "packer-base.qcow2") })
	vols, err := c.ListVolumes(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	var found *VolumeInfo
	for i := range vols {
		if vols[i].Name == "packer-base.qcow2" {
			found = &vols[i]
		}
	}
	if found == nil || found.Path != base || found.Capacity != 2<<20 {
		t.Errorf("ListVolumes = %+v, want packer-base.qcow2 at %s, 2 MiB", vols, base)
	}
	if _, err := c.ListVolumes(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing pool: %v, want ErrNotFound", err)
	}
}

func TestParseVolume(t *testing.T) {
	doc := `<volume type="file"><name>packer-cache-1.img</name>
<capacity unit="bytes">1073741824</capacity><allocation unit="KiB">4</allocation><physical unit="bytes">172949504</physical>
<target><path>/var/lib/libvirt/images/packer-cache-1.img</path>
<timestamps><atime>1765160000.5</atime><mtime>1765160001.123456789</mtime><ctime>1765160002.25</ctime></timestamps></target>
<backingStore><path>/var/lib/libvirt/images/base.img</path></backingStore></volume>`
	got, err := parseVolume(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := VolumeInfo{Name: "packer-cache-1.img", Path: "/var/lib/libvirt/images/packer-cache-1.img", Capacity: 1 << 30, Allocation: 4 << 10, Physical: 172949504,
		BackingPath: "/var/lib/libvirt/images/base.img", Modified: 1765160001123456789}
	if got != want {
		t.Errorf("parseVolume =\n %+v\nwant %+v", got, want)
	}
}
