// Package domainxml turns the plain description of a build or verify guest
// into libvirt domain XML, built from libvirtxml structs so that every
// element is typed and the result can be compared with golden files.
package domainxml

import (
	"fmt"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// CPU modes that map to libvirt's <cpu mode=...>; anything else given as
// Spec.CPU is taken as a named model (e.g. "Haswell-v4").
const (
	CPUHostPassthrough = "host-passthrough"
	CPUHostModel       = "host-model"
	CPUMaximum         = "maximum"
)

// Spec is everything the plugin decides about a guest.
type Spec struct {
	Name string
	// Type is the libvirt domain type: "kvm" or "qemu" (TCG).
	Type string
	// Machine is the machine type, e.g. "pc" or "q35".
	Machine   string
	MemoryMiB uint
	VCPUs     uint
	// CPU is empty for libvirt's default, a mode constant or a model name.
	CPU string
	// Firmware is "bios" or "efi". For efi, libvirt picks the OVMF build
	// from qemu's firmware descriptors (/usr/share/qemu/firmware/*.json)
	// on the hypervisor host, with secure boot off.
	Firmware string

	// Disks are attached as virtio disks vda, vdb, ... in order; the first
	// one boots.
	Disks []Disk
	// CDROMs are read-only (their Format is ignored); on "pc" machines
	// they sit on IDE (the only cdrom bus every guest kernel can see
	// without extra drivers), on q35 on SATA, since q35 has no IDE
	// controller.
	CDROMs []Disk

	// Network is the libvirt network the single virtio NIC joins, with MAC.
	Network string
	MAC     string

	// ConsoleLog is the file the serial console (ttyS0) is written to on
	// the hypervisor host. Without it the console is a pty, which a remote
	// client reads through libvirt (virDomainOpenConsole).
	ConsoleLog string

	// BootFromCDROM boots the first cdrom before the disk: an installer.
	BootFromCDROM bool
	// Kernel, Initrd and Cmdline boot a kernel directly, bypassing the
	// firmware's boot order (e.g. an installer's images/pxeboot files).
	Kernel  string
	Initrd  string
	Cmdline string
	// StopOnReboot makes a guest reboot end the domain instead of
	// restarting it: an installer that reboots when done has finished.
	StopOnReboot bool

	// Metadata is an XML element, in a namespace of its own, kept in the
	// domain's <metadata>: the run's ownership record.
	Metadata string
}

// Disk is one disk image: a file on the hypervisor host (Path), or a
// volume of a storage pool (Pool and Volume).
type Disk struct {
	Path   string
	Pool   string
	Volume string
	Format string // "qcow2" or "raw"
	// Unsafe drops host-side flushes: right for a throwaway build disk whose
	// content only matters after a clean guest shutdown.
	Unsafe bool
}

// Build returns the domain for the spec.
func Build(s Spec) *libvirtxml.Domain {
	d := &libvirtxml.Domain{
		Type:          s.Type,
		Name:          s.Name,
		Memory:        &libvirtxml.DomainMemory{Value: s.MemoryMiB, Unit: "MiB"},
		CurrentMemory: &libvirtxml.DomainCurrentMemory{Value: s.MemoryMiB, Unit: "MiB"},
		VCPU:          &libvirtxml.DomainVCPU{Value: s.VCPUs},
		OS:            buildOS(s),
		// ACPI is what lets libvirt ask the guest to power off cleanly.
		Features: &libvirtxml.DomainFeatureList{
			ACPI: &libvirtxml.DomainFeature{},
			APIC: &libvirtxml.DomainFeatureAPIC{},
		},
		CPU:        buildCPU(s.CPU),
		Clock:      &libvirtxml.DomainClock{Offset: "utc"},
		OnPoweroff: "destroy",
		OnReboot:   onReboot(s.StopOnReboot),
		OnCrash:    "destroy",
		Devices:    buildDevices(s),
	}
	if s.Metadata != "" {
		d.Metadata = &libvirtxml.DomainMetadata{XML: s.Metadata}
	}
	return d
}

// Marshal returns the domain XML for the spec.
func Marshal(s Spec) (string, error) {
	out, err := Build(s).Marshal()
	if err != nil {
		return "", fmt.Errorf("marshal domain %q: %w", s.Name, err)
	}
	return out, nil
}

func onReboot(stop bool) string {
	if stop {
		return "destroy"
	}
	return "restart"
}

func buildOS(s Spec) *libvirtxml.DomainOS {
	os := &libvirtxml.DomainOS{
		Type:    &libvirtxml.DomainOSType{Arch: "x86_64", Machine: s.Machine, Type: "hvm"},
		Kernel:  s.Kernel,
		Initrd:  s.Initrd,
		Cmdline: s.Cmdline,
	}
	switch {
	case s.Kernel != "":
		// A direct kernel boot has no boot order.
	case s.BootFromCDROM:
		os.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "cdrom"}, {Dev: "hd"}}
	default:
		os.BootDevices = []libvirtxml.DomainBootDevice{{Dev: "hd"}}
	}
	if s.Firmware == "efi" {
		os.Firmware = "efi"
		os.FirmwareInfo = &libvirtxml.DomainOSFirmwareInfo{
			Features: []libvirtxml.DomainOSFirmwareFeature{{Name: "secure-boot", Enabled: "no"}},
		}
	}
	return os
}

func buildCPU(cpu string) *libvirtxml.DomainCPU {
	switch cpu {
	case "":
		return nil
	case CPUHostPassthrough, CPUHostModel, CPUMaximum:
		return &libvirtxml.DomainCPU{Mode: cpu}
	}
	return &libvirtxml.DomainCPU{
		Mode:  "custom",
		Match: "exact",
		Model: &libvirtxml.DomainCPUModel{Value: cpu, Fallback: "forbid"},
	}
}

func buildDevices(s Spec) *libvirtxml.DomainDeviceList {
	dev := &libvirtxml.DomainDeviceList{
		// No USB controller and no balloon: a build guest needs neither, and
		// each costs boot time under TCG.
		Controllers: append([]libvirtxml.DomainController{{Type: "usb", Model: "none"}}, spareRootPorts(s.Machine)...),
		MemBalloon:  &libvirtxml.DomainMemBalloon{Model: "none"},
		// Entropy from the host so sshd and cloud-init don't stall at boot.
		RNGs: []libvirtxml.DomainRNG{{
			Model:   "virtio",
			Backend: &libvirtxml.DomainRNGBackend{Random: &libvirtxml.DomainRNGBackendRandom{Device: "/dev/urandom"}},
		}},
	}
	for i, disk := range s.Disks {
		driver := &libvirtxml.DomainDiskDriver{Name: "qemu", Type: disk.Format, Discard: "unmap"}
		if disk.Unsafe {
			driver.Cache = "unsafe"
		}
		dev.Disks = append(dev.Disks, libvirtxml.DomainDisk{
			Device: "disk",
			Driver: driver,
			Source: source(disk),
			Target: &libvirtxml.DomainDiskTarget{Dev: "vd" + letter(i), Bus: "virtio"},
		})
	}
	bus, prefix := cdromBus(s.Machine)
	for i, cd := range s.CDROMs {
		dev.Disks = append(dev.Disks, libvirtxml.DomainDisk{
			Device:   "cdrom",
			Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "raw"},
			Source:   source(cd),
			Target:   &libvirtxml.DomainDiskTarget{Dev: prefix + letter(cdromSlot(bus, i)), Bus: bus},
			ReadOnly: &libvirtxml.DomainDiskReadOnly{},
		})
	}
	if s.Network != "" {
		dev.Interfaces = []libvirtxml.DomainInterface{{
			MAC:    &libvirtxml.DomainInterfaceMAC{Address: s.MAC},
			Source: &libvirtxml.DomainInterfaceSource{Network: &libvirtxml.DomainInterfaceSourceNetwork{Network: s.Network}},
			Model:  &libvirtxml.DomainInterfaceModel{Type: "virtio"},
		}}
	}
	port := uint(0)
	src := &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}}
	if s.ConsoleLog != "" {
		src = &libvirtxml.DomainChardevSource{File: &libvirtxml.DomainChardevSourceFile{Path: s.ConsoleLog, Append: "off"}}
	}
	// libvirt adds the matching <console> alias for serial port 0 itself.
	dev.Serials = []libvirtxml.DomainSerial{{Source: src, Target: &libvirtxml.DomainSerialTarget{Port: &port}}}
	return dev
}

// source is where a disk's data is: a volume of a pool, or a file.
func source(d Disk) *libvirtxml.DomainDiskSource {
	if d.Pool != "" {
		return &libvirtxml.DomainDiskSource{Volume: &libvirtxml.DomainDiskSourceVolume{Pool: d.Pool, Volume: d.Volume}}
	}
	return &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: d.Path}}
}

// cdromBus picks the bus for cdroms and the device-name prefix that goes
// with it.
func cdromBus(machine string) (bus, prefix string) {
	if strings.Contains(machine, "q35") {
		return "sata", "sd"
	}
	return "ide", "hd"
}

// cdromSlot starts IDE cdroms at hdc (secondary master), where installers
// and cloud-init expect them; SATA starts at sda.
func cdromSlot(bus string, i int) int {
	if bus == "ide" {
		return i + 2
	}
	return i
}

func letter(i int) string { return string(rune('a' + i)) }
