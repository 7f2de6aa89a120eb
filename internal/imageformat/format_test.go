package imageformat

import "testing"

func TestByFileName(t *testing.T) {
	for name, want := range map[string]string{
		"stream9.qcow2": "qcow2", "stream9.raw": "raw", "disk.img": "raw", "stream9.vmdk": "vmdk", "stream9.vhd": "vhd",
		"stream9.vhdx": "vhdx", "stream9.tar.gz": "gce", "stream9.ova": "ova", "stream9.containerdisk.tar": "containerdisk",
		"stream9.vdi": "", "stream9.tar": "", "SHA256SUMS": "",
	} {
		f, ok := ByFileName(name)
		if f.Name != want || ok != (want != "") {
			t.Errorf("ByFileName(%q) = %q, %v; want %q", name, f.Name, ok, want)
		}
	}
}
