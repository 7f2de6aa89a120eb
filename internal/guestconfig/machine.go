//go:generate go tool packer-sdc struct-markdown

package guestconfig

import (
	"fmt"
	"regexp"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
)

// MachineConfig is the virtual machine the guest runs in.
type MachineConfig struct {
	// The machine type. Defaults to `pc` (i440fx), whose IDE bus every
	// guest kernel can read the cloud-init seed from. With `q35` the seed
	// is attached on SATA instead.
	MachineType string `mapstructure:"machine_type" required:"false"`
	// Number of virtual CPUs. Defaults to 2.
	CPUs int `mapstructure:"cpus" required:"false"`
	// Memory in MiB. Defaults to 2048.
	Memory int `mapstructure:"memory" required:"false"`
	// `bios` or `efi`. Defaults to `bios`, the only firmware CentOS's
	// GenericCloud images for 7, Stream 8 and Stream 9 boot with. With
	// `efi`, libvirt picks the OVMF build from qemu's firmware descriptors
	// (`/usr/share/qemu/firmware/*.json`) on the hypervisor, secure boot off.
	Firmware string `mapstructure:"firmware" required:"false"`
	// The guest CPU: `host-passthrough`, `host-model`, `maximum` (all that
	// the emulator offers) or a named qemu model such as `Haswell-v4`. By
	// default `host-passthrough` under KVM; under TCG the emulator's
	// default, or `maximum` when the CentOS release needs a newer x86-64
	// level than that default offers (Stream 9 needs v2, Stream 10 v3).
	CPUModel string `mapstructure:"cpu_model" required:"false"`
}

var (
	machinePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	cpuModelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// Prepare sets defaults and checks the machine settings.
func (c *MachineConfig) Prepare() []error {
	var errs []error
	if c.MachineType == "" {
		c.MachineType = "pc"
	}
	if !machinePattern.MatchString(c.MachineType) {
		errs = append(errs, fmt.Errorf("machine_type %q is not a machine type name such as pc or q35", c.MachineType))
	}
	if c.CPUs == 0 {
		c.CPUs = 2
	}
	if c.CPUs < 1 || c.CPUs > 256 {
		errs = append(errs, fmt.Errorf("cpus must be between 1 and 256, got %d", c.CPUs))
	}
	if c.Memory == 0 {
		c.Memory = 2048
	}
	if c.Memory < 256 {
		errs = append(errs, fmt.Errorf("memory is in MiB and must be at least 256, got %d", c.Memory))
	}
	switch c.Firmware {
	case "":
		c.Firmware = centos.BIOS
	case centos.BIOS, centos.EFI:
	default:
		errs = append(errs, fmt.Errorf("firmware %q is not one of bios, efi", c.Firmware))
	}
	if c.CPUModel != "" && !cpuModelPattern.MatchString(c.CPUModel) {
		errs = append(errs, fmt.Errorf("cpu_model %q is not host-passthrough, host-model, maximum or a qemu CPU model name", c.CPUModel))
	}
	return errs
}

// Spec starts a domain description with the machine settings; the caller
// adds disks and cdroms.
func (c *MachineConfig) Spec() domainxml.Spec {
	return domainxml.Spec{
		Machine:   c.MachineType,
		MemoryMiB: uint(c.Memory),
		VCPUs:     uint(c.CPUs),
		Firmware:  c.Firmware,
	}
}
