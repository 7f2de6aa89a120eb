// Package centos holds what the plugin knows about each CentOS release it
// has presets for: where the GenericCloud images live, their checksum files,
// default cloud user, firmware and minimum CPU level. The values come from
// CentOS's published locations; docs/builders/libvirt.mdx lists the sources.
package centos

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
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

	// Cloud says where the dated GenericCloud qcow2 images are, per
	// architecture. CentOS publishes BIOS-only x86_64 images up to Stream 9
	// and a separate UEFI image for Stream 10; aarch64 images boot UEFI.
	Cloud map[string]CloudSeries
	// DefaultUser is the account cloud-init creates in the GenericCloud image.
	DefaultUser string

	// MinX86Level is the x86-64 micro-architecture level the userland needs
	// (glibc refuses to start below it): 1 = baseline, 2 = v2, 3 = v3.
	MinX86Level int

	// ISO is the install DVD and its checksum. (Its volume id, which
	// Anaconda finds its medium by, is read from the ISO itself.)
	ISO Image
	// VMwareGuestID is the guest type vSphere knows the release by (an
	// OVA's vmw:osType); vSphere has none for Stream 10 yet, which takes
	// Stream 9's.
	VMwareGuestID string

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

const streamMirror = "https://mirror.stream.centos.org/"

// Architectures CentOS publishes GenericCloud images for.
const (
	X86_64  = "x86_64"
	AArch64 = "aarch64"
)

// CloudSeries is where a release publishes its dated GenericCloud images
// for one architecture, relative to a mirror of cloud.centos.org.
type CloudSeries struct {
	// Dir is the images' directory under the mirror's base URL.
	Dir string
	// ChecksumFile, in Dir, lists every image there.
	ChecksumFile string
	// Names matches a dated image's file name, per firmware; the one
	// group is the compose (build) id.
	Names map[string]*regexp.Regexp
}

// streamSeries is a Stream release's images for arch: "<n>-stream/<arch>/images/",
// one CHECKSUM file (BSD format), names "CentOS-Stream-GenericCloud-<n>-<compose>.<arch>.qcow2".
func streamSeries(n, arch string) CloudSeries {
	fw := BIOS
	if arch == AArch64 {
		fw = EFI
	}
	return CloudSeries{
		Dir:          "centos/" + n + "-stream/" + arch + "/images/",
		ChecksumFile: "CHECKSUM",
		Names: map[string]*regexp.Regexp{
			fw: regexp.MustCompile(`^CentOS-Stream-GenericCloud-` + n + `-([0-9]{8}\.[0-9]+)\.` + arch + `\.qcow2$`),
		},
	}
}

var releases = map[string]Release{
	"7": {
		Version:   "7",
		Name:      "CentOS 7",
		EndOfLife: "2024-06-30",
		// One directory and one GNU-format sha256sum.txt for both
		// architectures; composes are YYMM.
		Cloud: map[string]CloudSeries{
			X86_64: {Dir: "centos/7/images/", ChecksumFile: "sha256sum.txt", Names: map[string]*regexp.Regexp{
				BIOS: regexp.MustCompile(`^CentOS-7-x86_64-GenericCloud-([0-9]{4})\.qcow2$`),
			}},
			AArch64: {Dir: "centos/7/images/", ChecksumFile: "sha256sum.txt", Names: map[string]*regexp.Regexp{
				EFI: regexp.MustCompile(`^CentOS-7-aarch64-GenericCloud-([0-9]{4})\.qcow2$`),
			}},
		},
		DefaultUser:   "centos",
		MinX86Level:   1,
		VMwareGuestID: "centos7_64Guest",
		ISO: Image{
			URL:      "https://vault.centos.org/7.9.2009/isos/x86_64/CentOS-7-x86_64-DVD-2009.iso",
			Checksum: "file:https://vault.centos.org/7.9.2009/isos/x86_64/sha256sum.txt",
		},
		BootCommand: isolinuxOnBIOS,
	},
	"stream8": {
		Version:       "stream8",
		Name:          "CentOS Stream 8",
		EndOfLife:     "2024-05-31",
		Cloud:         map[string]CloudSeries{X86_64: streamSeries("8", X86_64), AArch64: streamSeries("8", AArch64)},
		DefaultUser:   "centos",
		MinX86Level:   1,
		VMwareGuestID: "centos8_64Guest",
		ISO: Image{
			URL:      "https://vault.centos.org/8-stream/isos/x86_64/CentOS-Stream-8-20240603.0-x86_64-dvd1.iso",
			Checksum: "file:https://vault.centos.org/8-stream/isos/x86_64/CHECKSUM",
		},
		BootCommand: isolinuxOnBIOS,
	},
	"stream9": {
		Version:       "stream9",
		Name:          "CentOS Stream 9",
		Cloud:         map[string]CloudSeries{X86_64: streamSeries("9", X86_64), AArch64: streamSeries("9", AArch64)},
		DefaultUser:   "cloud-user",
		MinX86Level:   2,
		VMwareGuestID: "centos9_64Guest",
		ISO: Image{
			URL:      streamMirror + "9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso",
			Checksum: "file:" + streamMirror + "9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso.SHA256SUM",
		},
		BootCommand: isolinuxOnBIOS,
	},
	"stream10": {
		Version: "stream10",
		Name:    "CentOS Stream 10",
		// The x86_64 UEFI image has its own name, with the architecture
		// before the version.
		Cloud: map[string]CloudSeries{
			X86_64:  stream10X86(),
			AArch64: streamSeries("10", AArch64),
		},
		DefaultUser:   "cloud-user",
		MinX86Level:   3,
		VMwareGuestID: "centos9_64Guest",
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

func stream10X86() CloudSeries {
	s := streamSeries("10", X86_64)
	s.Names[EFI] = regexp.MustCompile(`^CentOS-Stream-GenericCloud-x86_64-10-([0-9]{8}\.[0-9]+)\.x86_64\.qcow2$`)
	return s
}

// Series returns where the release's GenericCloud images for arch and
// firmware are, and the pattern of their names; the error says what the
// release does publish.
func (r Release) Series(arch, firmware string) (CloudSeries, *regexp.Regexp, error) {
	s, ok := r.Cloud[arch]
	if !ok {
		return CloudSeries{}, nil, fmt.Errorf("%s publishes no %s GenericCloud image (architectures: %s)", r.Name, arch, strings.Join(sortedKeys(r.Cloud), ", "))
	}
	name, ok := s.Names[firmware]
	if !ok {
		return CloudSeries{}, nil, fmt.Errorf("%s publishes no %s GenericCloud image for %s (available: %s)", r.Name, firmware, arch, strings.Join(sortedKeys(s.Names), ", "))
	}
	return s, name, nil
}

// DefaultFirmware is the firmware of the release's one image for arch,
// or BIOS where there are both.
func (r Release) DefaultFirmware(arch string) string {
	names := r.Cloud[arch].Names
	if _, ok := names[BIOS]; ok || len(names) == 0 {
		return BIOS
	}
	return sortedKeys(names)[0]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
