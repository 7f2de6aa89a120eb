package libvirtdriver

import (
	"context"
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
