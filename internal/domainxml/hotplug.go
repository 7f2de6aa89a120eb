package domainxml

import (
	"fmt"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// hotplugPorts is how many spare PCIe root ports a q35 domain gets, so a
// disk can be plugged in while it runs (a pc machine's PCI bus takes hot
// plugs as it is).
const hotplugPorts = 1

// spareRootPorts are the controllers that let q35 take hot plugs.
func spareRootPorts(machine string) []libvirtxml.DomainController {
	if !strings.Contains(machine, "q35") {
		return nil
	}
	var out []libvirtxml.DomainController
	for i := 0; i < hotplugPorts; i++ {
		out = append(out, libvirtxml.DomainController{Type: "pci", Model: "pcie-root-port"})
	}
	return out
}

// ReadOnlyDiskXML is the device XML of d as a read-only virtio disk at
// target (e.g. "vdb") with serial, by which the guest finds it
// (/dev/disk/by-id/virtio-<serial>), for plugging into a running domain.
func ReadOnlyDiskXML(d Disk, target, serial string) (string, error) {
	disk := libvirtxml.DomainDisk{
		Device:   "disk",
		Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: d.Format},
		Source:   source(d),
		Target:   &libvirtxml.DomainDiskTarget{Dev: target, Bus: "virtio"},
		ReadOnly: &libvirtxml.DomainDiskReadOnly{},
		Serial:   serial,
	}
	out, err := disk.Marshal()
	if err != nil {
		return "", fmt.Errorf("marshal disk %s: %w", target, err)
	}
	return out, nil
}
