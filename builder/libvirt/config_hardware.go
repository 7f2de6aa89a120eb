//go:generate go tool packer-sdc struct-markdown

package libvirt

import (
	"fmt"
	"regexp"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// HardwareConfig is the virtual machine the build runs in.
type HardwareConfig struct {
	// The machine type. Defaults to `pc` (i440fx), whose IDE bus every
	// guest kernel can read the cloud-init seed from. With `q35` the seed
	// is attached on SATA instead.
	MachineType string `mapstructure:"machine_type" required:"false"`
	// Number of virtual CPUs. Defaults to 2.
	CPUs int `mapstructure:"cpus" required:"false"`
	// Memory in MiB. Defaults to 2048.
	Memory int `mapstructure:"memory" required:"false"`
	// Size of the build disk, e.g. `20G`, `20480M` or `20480` (MiB). The
	// virtual disk grows to this size; in CentOS cloud images cloud-init's
	// growpart then grows the root partition at boot. Defaults to the
	// source image's size, and cannot be smaller than it.
	DiskSize string `mapstructure:"disk_size" required:"false"`
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

	diskSizeBytes int64
}

var (
	machinePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	cpuModelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// Prepare sets defaults and checks the hardware settings.
func (c *HardwareConfig) Prepare() []error {
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
	if c.DiskSize != "" {
		n, err := sizes.Parse(c.DiskSize)
		if err != nil {
			errs = append(errs, fmt.Errorf("disk_size: %w; write it like 20G or 20480M", err))
		} else if n < sizes.MiB*64 {
			errs = append(errs, fmt.Errorf("disk_size %q is smaller than 64 MiB; a bare number means MiB", c.DiskSize))
		}
		c.diskSizeBytes = n
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
