//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
)

// TestEFIFirmwareFromDescriptors starts a domain the way the builder
// describes one with firmware = "efi" — no firmware path of its own — and
// checks that libvirt picked an OVMF build from qemu's firmware
// descriptors, secure boot off.
func TestEFIFirmwareFromDescriptors(t *testing.T) {
	w := requireWorld(t)
	descriptors, _ := filepath.Glob("/usr/share/qemu/firmware/*.json")
	if len(descriptors) == 0 {
		t.Skip("no qemu firmware descriptors on this host (package ovmf)")
	}
	name := w.domainPrefix + "efi-check"
	xml, err := domainxml.Marshal(domainxml.Spec{Name: name, Type: "qemu", Machine: "pc", MemoryMiB: 256, VCPUs: 1, Firmware: "efi"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "efi.xml")
	writeFile(t, file, xml)
	virsh(t, w, "define", file)
	t.Cleanup(func() {
		exec.Command("virsh", "-c", w.uri, "destroy", name).Run()
		exec.Command("virsh", "-c", w.uri, "undefine", "--nvram", name).Run()
	})
	virsh(t, w, "start", name)
	live := virsh(t, w, "dumpxml", name)
	loader := regexp.MustCompile(`<loader[^>]*>([^<]+)</loader>`).FindStringSubmatch(live)
	if loader == nil {
		t.Fatalf("libvirt chose no firmware:\n%s", live)
	}
	t.Logf("libvirt chose %s", loader[1])
	if !regexp.MustCompile(`(?i)ovmf|edk2`).MatchString(loader[1]) {
		t.Errorf("firmware %s is not OVMF", loader[1])
	}
	if regexp.MustCompile(`secure=.yes`).MatchString(loader[0]) {
		t.Errorf("secure boot is on: %s", loader[0])
	}
	// The driver's clean-up, the one every build and verify ends with,
	// leaves no variable store behind.
	nvram := regexp.MustCompile(`<nvram[^>]*>([^<]+)</nvram>`).FindStringSubmatch(live)
	c, err := libvirtdriver.Open(w.uri)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.DestroyDomain(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if err := c.UndefineDomain(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if nvram == nil {
		t.Errorf("the EFI domain has no NVRAM:\n%s", live)
	} else {
		if _, err := os.Stat(nvram[1]); !os.IsNotExist(err) {
			t.Errorf("NVRAM %s left after undefine", nvram[1])
		}
	}
}
