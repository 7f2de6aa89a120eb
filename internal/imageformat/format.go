package imageformat

import (
	"sort"
	"strings"
)

// Format is a kind of output a build can write.
type Format struct {
	// Name is what an export block's format says.
	Name string
	// Ext ends the output's file name.
	Ext string
	// Target is where the file is deployed.
	Target string
	// Provider names the target in HCP Packer metadata.
	Provider string
	// Compressible formats take a compression setting (for the qcow2
	// they hold); the others are as their target wants them.
	Compressible bool
	// Bootable formats can be the primary output, the disk verify boots
	// and every other output is compared with.
	Bootable bool
	// QemuFormat is how qemu-img reads the file; empty for archives,
	// which OpenDisk unpacks first.
	QemuFormat string
	// cost ranks how long the format takes to write, for WriteAll to
	// start the slowest first (measured on the stand-in: a
	// streamOptimized VMDK takes 8 times a qcow2, compressing it on one
	// core).
	cost int
}

// The formats, in the order the docs list them.
var formats = []Format{
	{Name: "qcow2", Ext: ".qcow2", Target: "KVM/libvirt, OpenStack", Provider: "libvirt", Compressible: true, Bootable: true, QemuFormat: "qcow2", cost: 3},
	{Name: "raw", Ext: ".raw", Target: "any hypervisor, AWS VM Import", Provider: "libvirt", Bootable: true, QemuFormat: "raw", cost: 1},
	{Name: "vmdk", Ext: ".vmdk", Target: "VMware vSphere, AWS VM Import", Provider: "vmware", QemuFormat: "vmdk", cost: 9},
	{Name: "vhd", Ext: ".vhd", Target: "Azure", Provider: "azure", QemuFormat: "vpc", cost: 2},
	{Name: "vhdx", Ext: ".vhdx", Target: "Hyper-V", Provider: "hyperv", QemuFormat: "vhdx", cost: 2},
	{Name: "gce", Ext: ".tar.gz", Target: "Google Compute Engine", Provider: "gce", cost: 5},
	{Name: "ova", Ext: ".ova", Target: "VMware vSphere, VirtualBox, AWS VM Import", Provider: "vmware", cost: 9},
	{Name: "containerdisk", Ext: ".containerdisk.tar", Target: "KubeVirt", Provider: "kubevirt", Compressible: true, cost: 3},
}

// Lookup finds a format by name.
func Lookup(name string) (Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Names lists the formats' names in the docs' order.
func Names() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
	}
	return names
}

// BootableNames lists the formats that can be the primary output.
func BootableNames() []string {
	var names []string
	for _, f := range formats {
		if f.Bootable {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	return names
}

// ByFileName finds the format of an output by its file name's extension,
// as WriteAll names outputs (".img" is raw too).
func ByFileName(name string) (Format, bool) {
	var found Format
	for _, f := range formats {
		if strings.HasSuffix(name, f.Ext) && len(f.Ext) > len(found.Ext) {
			found = f
		}
	}
	if found.Name == "" && strings.HasSuffix(name, ".img") {
		return Lookup("raw")
	}
	return found, found.Name != ""
}
