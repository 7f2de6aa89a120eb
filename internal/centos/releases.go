// Package centos holds what the plugin knows about each CentOS release it
// has presets for: where the GenericCloud images live, their checksum files,
// default cloud user, firmware and minimum CPU level. The values come from
// CentOS's published locations; docs/builders/libvirt.mdx lists the sources.
package centos

import (
	"fmt"
	"sort"
)

// Firmware names as used by the builder's `firmware` option.
const (
	BIOS = "bios"
	EFI  = "efi"
)

// Release is one CentOS release preset.
type Release struct {
	// Version is the value of `centos_version`.
	Version string
	// Name is how people call it.
	Name string
	// EndOfLife is the date upstream stopped updates, empty while supported.
	EndOfLife string

	// Cloud holds the GenericCloud qcow2 image per firmware. CentOS publishes
	// BIOS-only images up to Stream 9 and a separate UEFI image for Stream 10.
	Cloud map[string]Image
	// DefaultUser is the account cloud-init creates in the GenericCloud image.
	DefaultUser string

	// MinX86Level is the x86-64 micro-architecture level the userland needs
	// (glibc refuses to start below it): 1 = baseline, 2 = v2, 3 = v3.
	MinX86Level int

	// ISO is the install DVD and its checksum. (Its volume id, which
	// Anaconda finds its medium by, is read from the ISO itself.)
	ISO Image
	// BootCommand types the kickstart location into the ISO's boot menu,
	// per firmware: ISOLINUX's <tab> line edit for BIOS up to Stream 9,
	// GRUB's "e" edit and Ctrl-X for UEFI and for Stream 10, which boots
	// GRUB on BIOS too. {{ .KickstartArg }} is the kickstart argument.
	BootCommand map[string]string
}

// Boot commands per boot menu. <up> leaves the default "Test this media"
// entry for "Install"; GRUB's editor shows the linux line two lines down.
const (
	isolinuxBootCommand = "<up><wait><tab> inst.text {{ .KickstartArg }}<enter>"
	grubBootCommand     = "<up>e<down><down><end> inst.text {{ .KickstartArg }}<leftCtrlOn>x<leftCtrlOff>"
)

var (
	isolinuxOnBIOS = map[string]string{BIOS: isolinuxBootCommand, EFI: grubBootCommand}
	grubEverywhere = map[string]string{BIOS: grubBootCommand, EFI: grubBootCommand}
)

// Image is a downloadable disk image with its checksum reference.
type Image struct {
	URL string
	// Checksum is in the SDK download step's syntax: "file:<url>" for a
	// checksum file that lists the image by name.
	Checksum string
}

const (
	cloudBase    = "https://cloud.centos.org/centos/"
	streamMirror = "https://mirror.stream.centos.org/"
)

var releases = map[string]Release{
	"7": {
		Version:   "7",
		Name:      "CentOS 7",
		EndOfLife: "2024-06-30",
		Cloud: map[string]Image{
			BIOS: {
				URL:      cloudBase + "7/images/CentOS-7-x86_64-GenericCloud.qcow2",
				Checksum: "file:" + cloudBase + "7/images/sha256sum.txt",
			},
		},
		DefaultUser: "centos",
		MinX86Level: 1,
		ISO: Image{
			URL:      "https://vault.centos.org/7.9.2009/isos/x86_64/CentOS-7-x86_64-DVD-2009.iso",
			Checksum: "file:https://vault.centos.org/7.9.2009/isos/x86_64/sha256sum.txt",
		},
		BootCommand: isolinuxOnBIOS,
	},
	"stream8": {
		Version:   "stream8",
		Name:      "CentOS Stream 8",
		EndOfLife: "2024-05-31",
		Cloud: map[string]Image{
			BIOS: {
				URL:      cloudBase + "8-stream/x86_64/images/CentOS-Stream-GenericCloud-8-latest.x86_64.qcow2",
				Checksum: "file:" + cloudBase + "8-stream/x86_64/images/CHECKSUM",
			},
		},
		DefaultUser: "centos",
		MinX86Level: 1,
		ISO: Image{
			URL:      "https://vault.centos.org/8-stream/isos/x86_64/CentOS-Stream-8-20240603.0-x86_64-dvd1.iso",
			Checksum: "file:https://vault.centos.org/8-stream/isos/x86_64/CHECKSUM",
		},
		BootCommand: isolinuxOnBIOS,
	},
	"stream9": {
		Version: "stream9",
		Name:    "CentOS Stream 9",
		Cloud: map[string]Image{
			BIOS: {
				URL:      cloudBase + "9-stream/x86_64/images/CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2",
				Checksum: "file:" + cloudBase + "9-stream/x86_64/images/CHECKSUM",
			},
		},
		DefaultUser: "cloud-user",
		MinX86Level: 2,
		ISO: Image{
			URL:      streamMirror + "9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso",
			Checksum: "file:" + streamMirror + "9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso.SHA256SUM",
		},
		BootCommand: isolinuxOnBIOS,
	},
	"stream10": {
		Version: "stream10",
		Name:    "CentOS Stream 10",
		Cloud: map[string]Image{
			BIOS: {
				URL:      cloudBase + "10-stream/x86_64/images/CentOS-Stream-GenericCloud-10-latest.x86_64.qcow2",
				Checksum: "file:" + cloudBase + "10-stream/x86_64/images/CHECKSUM",
			},
			EFI: {
				URL:      cloudBase + "10-stream/x86_64/images/CentOS-Stream-GenericCloud-x86_64-10-latest.x86_64.qcow2",
				Checksum: "file:" + cloudBase + "10-stream/x86_64/images/CHECKSUM",
			},
		},
		DefaultUser: "cloud-user",
		MinX86Level: 3,
		ISO: Image{
			URL:      streamMirror + "10-stream/BaseOS/x86_64/iso/CentOS-Stream-10-latest-x86_64-dvd1.iso",
			Checksum: "file:" + streamMirror + "10-stream/BaseOS/x86_64/iso/CentOS-Stream-10-latest-x86_64-dvd1.iso.SHA256SUM",
		},
		BootCommand: grubEverywhere,
	},
}

// Lookup returns the preset for a `centos_version` value.
func Lookup(version string) (Release, bool) {
	r, ok := releases[version]
	return r, ok
}

// Versions lists the accepted `centos_version` values, oldest first.
func Versions() []string {
	vs := make([]string, 0, len(releases))
	for v := range releases {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return order(vs[i]) < order(vs[j]) })
	return vs
}

func order(v string) int {
	switch v {
	case "7":
		return 7
	case "stream8":
		return 8
	case "stream9":
		return 9
	case "stream10":
		return 10
	}
	return 100
}

// CloudImage returns the GenericCloud image that boots with the firmware.
func (r Release) CloudImage(firmware string) (Image, error) {
	img, ok := r.Cloud[firmware]
	if !ok {
		var have []string
		for fw := range r.Cloud {
			have = append(have, fw)
		}
		sort.Strings(have)
		return Image{}, fmt.Errorf("%s publishes no %s GenericCloud image (available: %v)", r.Name, firmware, have)
	}
	return img, nil
}
