package imageformat

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
)

// Machine is the virtual machine an OVA describes, from the build's
// settings.
type Machine struct {
	CPUs      int
	MemoryMiB int
	// Firmware is "bios" or "efi".
	Firmware string
	// GuestOS is VMware's guest type id (vmw:osType); empty means
	// otherLinux64Guest.
	GuestOS string
}

// The file names inside an OVA named name.
func ovaNames(name string) (ovf, disk, manifest string) {
	return name + ".ovf", name + "-disk1.vmdk", name + ".mf"
}

// writeOVA writes an OVA as the OVF specification (DSP0243) lays it out:
// a tar whose first file is the OVF descriptor, then the disk it
// references (a streamOptimized VMDK: the vmdk output's when there is
// one), then the manifest with every file's SHA256.
func writeOVA(ctx context.Context, j *job) (int64, error) {
	ovfName, diskName, mfName := ovaNames(j.out.Name)
	vmdk, err := j.reused(ctx)
	if err != nil {
		return 0, err
	}
	if vmdk == "" {
		vmdk = filepath.Join(j.scratch, diskName)
		if err := j.vmdk(ctx, vmdk, j.stage(0, 0.85)); err != nil {
			return 0, err
		}
	}
	fi, err := os.Stat(vmdk)
	if err != nil {
		return 0, err
	}
	descriptor, err := ovfDescriptor(j.out.Name, diskName, fi.Size(), j.src.VirtualSize, j.out.Machine)
	if err != nil {
		return 0, err
	}
	err = writeFile(j.out.Path, func(f *os.File) error {
		tw := tar.NewWriter(f)
		now := time.Now()
		var manifest bytes.Buffer
		if err := tarFile(tw, ovfName, now, int64(len(descriptor)), bytes.NewReader(descriptor), &manifest); err != nil {
			return err
		}
		disk, err := os.Open(vmdk)
		if err != nil {
			return err
		}
		defer disk.Close()
		if err := tarFile(tw, diskName, now, fi.Size(), counting(ctxio.Reader(ctx, disk), fi.Size(), j.stage(0.85, 1)), &manifest); err != nil {
			return err
		}
		if err := tarFile(tw, mfName, now, int64(manifest.Len()), bytes.NewReader(manifest.Bytes()), nil); err != nil {
			return err
		}
		return tw.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("write the OVA: %w", err)
	}
	return j.src.VirtualSize, nil
}

// tarFile adds a file of size bytes from r to tw, and its line to
// manifest unless that is nil.
func tarFile(tw *tar.Writer, name string, mtime time.Time, size int64, r io.Reader, manifest io.Writer) error {
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: mtime, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if manifest == nil {
		if _, err := io.Copy(tw, r); err != nil {
			return fmt.Errorf("add %s: %w", name, err)
		}
		return nil
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tw, h), r); err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	fmt.Fprintf(manifest, "SHA256(%s)= %s\n", name, hex.EncodeToString(h.Sum(nil)))
	return nil
}

// The OVF descriptor, in the OVF 1.0 envelope vSphere and VirtualBox
// both import. encoding/xml writes prefixed names as they are given,
// which is how the descriptor spells its namespaces; the RASD and VSSD
// elements are in the alphabetical order their schemas require.
type ovfEnvelope struct {
	XMLName        xml.Name       `xml:"Envelope"`
	Xmlns          string         `xml:"xmlns,attr"`
	XmlnsOVF       string         `xml:"xmlns:ovf,attr"`
	XmlnsRASD      string         `xml:"xmlns:rasd,attr"`
	XmlnsVMW       string         `xml:"xmlns:vmw,attr"`
	XmlnsVSSD      string         `xml:"xmlns:vssd,attr"`
	References     []ovfFile      `xml:"References>File"`
	DiskSection    ovfDiskSection `xml:"DiskSection"`
	NetworkSection ovfNetworks    `xml:"NetworkSection"`
	VirtualSystem  ovfSystem      `xml:"VirtualSystem"`
}

type ovfFile struct {
	Href string `xml:"ovf:href,attr"`
	ID   string `xml:"ovf:id,attr"`
	Size int64  `xml:"ovf:size,attr"`
}

type ovfDiskSection struct {
	Info string  `xml:"Info"`
	Disk ovfDisk `xml:"Disk"`
}

type ovfDisk struct {
	Capacity int64  `xml:"ovf:capacity,attr"`
	DiskID   string `xml:"ovf:diskId,attr"`
	FileRef  string `xml:"ovf:fileRef,attr"`
	Format   string `xml:"ovf:format,attr"`
}

type ovfNetworks struct {
	Info    string     `xml:"Info"`
	Network ovfNetwork `xml:"Network"`
}

type ovfNetwork struct {
	Name        string `xml:"ovf:name,attr"`
	Description string `xml:"Description"`
}

type ovfSystem struct {
	ID       string      `xml:"ovf:id,attr"`
	Info     string      `xml:"Info"`
	Name     string      `xml:"Name"`
	OS       ovfOS       `xml:"OperatingSystemSection"`
	Hardware ovfHardware `xml:"VirtualHardwareSection"`
}

type ovfOS struct {
	ID     int    `xml:"ovf:id,attr"`
	OSType string `xml:"vmw:osType,attr"`
	Info   string `xml:"Info"`
}

type ovfHardware struct {
	Info   string      `xml:"Info"`
	System ovfVSSD     `xml:"System"`
	Items  []ovfItem   `xml:"Item"`
	Config []ovfConfig `xml:"vmw:Config"`
}

type ovfVSSD struct {
	ElementName             string `xml:"vssd:ElementName"`
	InstanceID              int    `xml:"vssd:InstanceID"`
	VirtualSystemIdentifier string `xml:"vssd:VirtualSystemIdentifier"`
	VirtualSystemType       string `xml:"vssd:VirtualSystemType"`
}

type ovfItem struct {
	Address             string `xml:"rasd:Address,omitempty"`
	AddressOnParent     string `xml:"rasd:AddressOnParent,omitempty"`
	AllocationUnits     string `xml:"rasd:AllocationUnits,omitempty"`
	AutomaticAllocation string `xml:"rasd:AutomaticAllocation,omitempty"`
	Connection          string `xml:"rasd:Connection,omitempty"`
	Description         string `xml:"rasd:Description,omitempty"`
	ElementName         string `xml:"rasd:ElementName"`
	HostResource        string `xml:"rasd:HostResource,omitempty"`
	InstanceID          int    `xml:"rasd:InstanceID"`
	Parent              string `xml:"rasd:Parent,omitempty"`
	ResourceSubType     string `xml:"rasd:ResourceSubType,omitempty"`
	ResourceType        int    `xml:"rasd:ResourceType"`
	VirtualQuantity     int    `xml:"rasd:VirtualQuantity,omitempty"`
}

type ovfConfig struct {
	Required string `xml:"ovf:required,attr"`
	Key      string `xml:"vmw:key,attr"`
	Value    string `xml:"vmw:value,attr"`
}

// CIM resource types (DSP1041) of the hardware an OVA describes.
const (
	rasdCPU        = 3
	rasdMemory     = 4
	rasdSCSI       = 6
	rasdNIC        = 10
	rasdDisk       = 17
	cimOSCentOS64  = 107 // CIM_OperatingSystem "CentOS 64-Bit"
	vmdkStreamType = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"
	// vmx-13 is ESXi 6.5's hardware version, the oldest supported one
	// that boots EFI with Secure Boot.
	vmwareHardware = "vmx-13"
)

// ovfDescriptor describes a virtual machine called name with m's CPUs,
// memory and firmware, one disk of capacity bytes held in the
// streamOptimized VMDK disk (of diskSize bytes) on a paravirtual SCSI
// controller — the one VMware recommends for CentOS, which has its driver
// (vmw_pvscsi) in every release — and one VMXNET3 network adapter.
func ovfDescriptor(name, disk string, diskSize, capacity int64, m Machine) ([]byte, error) {
	guest := m.GuestOS
	if guest == "" {
		guest = "otherLinux64Guest"
	}
	const network = "VM Network"
	env := ovfEnvelope{
		Xmlns:      "http://schemas.dmtf.org/ovf/envelope/1",
		XmlnsOVF:   "http://schemas.dmtf.org/ovf/envelope/1",
		XmlnsRASD:  "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData",
		XmlnsVMW:   "http://www.vmware.com/schema/ovf",
		XmlnsVSSD:  "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData",
		References: []ovfFile{{Href: disk, ID: "file1", Size: diskSize}},
		DiskSection: ovfDiskSection{
			Info: "Virtual disk information",
			Disk: ovfDisk{Capacity: capacity, DiskID: "vmdisk1", FileRef: "file1", Format: vmdkStreamType},
		},
		NetworkSection: ovfNetworks{Info: "The list of logical networks", Network: ovfNetwork{Name: network, Description: "The " + network + " network"}},
		VirtualSystem: ovfSystem{
			ID: name, Info: "A virtual machine", Name: name,
			OS: ovfOS{ID: cimOSCentOS64, OSType: guest, Info: "The kind of installed guest operating system"},
			Hardware: ovfHardware{
				Info:   "Virtual hardware requirements",
				System: ovfVSSD{ElementName: "Virtual Hardware Family", VirtualSystemIdentifier: name, VirtualSystemType: vmwareHardware},
				Items: []ovfItem{
					{AllocationUnits: "hertz * 10^6", Description: "Number of Virtual CPUs", ElementName: fmt.Sprintf("%d virtual CPU(s)", m.CPUs), InstanceID: 1, ResourceType: rasdCPU, VirtualQuantity: m.CPUs},
					{AllocationUnits: "byte * 2^20", Description: "Memory Size", ElementName: fmt.Sprintf("%dMB of memory", m.MemoryMiB), InstanceID: 2, ResourceType: rasdMemory, VirtualQuantity: m.MemoryMiB},
					{Address: "0", Description: "SCSI Controller", ElementName: "SCSI controller 0", InstanceID: 3, ResourceSubType: "VirtualSCSI", ResourceType: rasdSCSI},
					{AddressOnParent: "0", ElementName: "Hard disk 1", HostResource: "ovf:/disk/vmdisk1", InstanceID: 4, Parent: "3", ResourceType: rasdDisk},
					{AddressOnParent: "7", AutomaticAllocation: "true", Connection: network, ElementName: "Network adapter 1", InstanceID: 5, ResourceSubType: "VmxNet3", ResourceType: rasdNIC},
				},
				Config: []ovfConfig{{Required: "false", Key: "firmware", Value: m.Firmware}},
			},
		},
	}
	out, err := xml.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write the OVF descriptor: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// ovfRead is what openOVA needs of a descriptor, read with namespaces.
type ovfRead struct {
	Files []struct {
		Href string `xml:"http://schemas.dmtf.org/ovf/envelope/1 href,attr"`
		Size int64  `xml:"http://schemas.dmtf.org/ovf/envelope/1 size,attr"`
	} `xml:"References>File"`
	Disks []struct {
		Format string `xml:"http://schemas.dmtf.org/ovf/envelope/1 format,attr"`
	} `xml:"DiskSection>Disk"`
}

// openOVA checks the OVA at path as the OVF specification lays it out —
// the descriptor first, the manifest last, every file's SHA256 as the
// manifest lists it, the disk the size the descriptor says — and unpacks
// its one streamOptimized disk into dir.
func openOVA(ctx context.Context, path, dir string) (Disk, error) {
	f, err := os.Open(path)
	if err != nil {
		return Disk{}, err
	}
	defer f.Close()
	tr := tar.NewReader(bufio.NewReader(ctxio.Reader(ctx, f)))
	hdr, err := tr.Next()
	if err != nil {
		return Disk{}, fmt.Errorf("read the tar archive: %w", err)
	}
	if !strings.HasSuffix(hdr.Name, ".ovf") {
		return Disk{}, fmt.Errorf("the first file is %q, not the OVF descriptor the OVF specification puts first", hdr.Name)
	}
	descriptor, err := io.ReadAll(io.LimitReader(tr, 1<<20))
	if err != nil {
		return Disk{}, err
	}
	var desc ovfRead
	if err := xml.Unmarshal(descriptor, &desc); err != nil {
		return Disk{}, fmt.Errorf("read the OVF descriptor %s: %w", hdr.Name, err)
	}
	if len(desc.Files) != 1 || len(desc.Disks) != 1 || desc.Disks[0].Format != vmdkStreamType {
		return Disk{}, fmt.Errorf("the OVF descriptor lists %d files and %d disks, want one streamOptimized VMDK", len(desc.Files), len(desc.Disks))
	}
	sums := map[string]string{hdr.Name: sha256Hex(descriptor)}
	order := []string{hdr.Name}
	want := desc.Files[0]
	var disk Disk
	var manifest []byte
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Disk{}, fmt.Errorf("read the tar archive: %w", err)
		}
		if manifest != nil {
			return Disk{}, fmt.Errorf("%q follows the manifest, which the OVF specification puts last", hdr.Name)
		}
		switch {
		case strings.HasSuffix(hdr.Name, ".mf"):
			if manifest, err = io.ReadAll(io.LimitReader(tr, 1<<20)); err != nil {
				return Disk{}, err
			}
		case hdr.Name == want.Href:
			if hdr.Size != want.Size {
				return Disk{}, fmt.Errorf("%s is %d bytes, the OVF descriptor says %d", hdr.Name, hdr.Size, want.Size)
			}
			disk = Disk{Path: filepath.Join(dir, filepath.Base(hdr.Name)), Format: "vmdk"}
			h := sha256.New()
			if err := writeFile(disk.Path, func(out *os.File) error {
				_, err := io.Copy(io.MultiWriter(out, h), tr)
				return err
			}); err != nil {
				return Disk{}, fmt.Errorf("unpack %s: %w", hdr.Name, err)
			}
			sums[hdr.Name] = hex.EncodeToString(h.Sum(nil))
			order = append(order, hdr.Name)
		default:
			return Disk{}, fmt.Errorf("%q is neither the disk %s the descriptor references nor the manifest", hdr.Name, want.Href)
		}
	}
	switch {
	case disk.Path == "":
		return Disk{}, fmt.Errorf("the disk %s the OVF descriptor references is not in the archive", want.Href)
	case manifest == nil:
		return Disk{}, fmt.Errorf("no manifest (.mf): nothing proves the files whole")
	}
	listed, err := parseManifest(manifest)
	if err != nil {
		return Disk{}, err
	}
	for _, name := range order {
		switch got, ok := listed[name]; {
		case !ok:
			return Disk{}, fmt.Errorf("the manifest does not list %s", name)
		case got != sums[name]:
			return Disk{}, fmt.Errorf("%s has SHA256 %s, the manifest says %s", name, sums[name], got)
		}
	}
	return disk, nil
}

// parseManifest reads "SHA256(name)= hex" lines.
func parseManifest(b []byte) (map[string]string, error) {
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		rest, ok := strings.CutPrefix(line, "SHA256(")
		name, sum, ok2 := strings.Cut(rest, ")= ")
		if !ok || !ok2 {
			return nil, fmt.Errorf("manifest line %q is not SHA256(<file>)= <hex>", line)
		}
		sums[name] = strings.TrimSpace(sum)
	}
	return sums, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
