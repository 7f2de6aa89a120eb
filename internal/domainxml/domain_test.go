package domainxml

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"libvirt.org/go/libvirtxml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestMarshalGolden(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"bios-pc-tcg", Spec{
			Name: "packer-stream9-a1b2c3", Type: "qemu", Machine: "pc", MemoryMiB: 2048, VCPUs: 2,
			Firmware:   "bios",
			Disks:      []Disk{{Path: "/tmp/packer-centos-1/disk.qcow2", Format: "qcow2", Unsafe: true}},
			CDROMs:     []Disk{{Path: "/tmp/packer-centos-1/seed.iso"}},
			Network:    "default",
			MAC:        "52:54:00:12:34:56",
			ConsoleLog: "/tmp/packer-centos-1/console.log",
		}},
		{"efi-q35-kvm-host", Spec{
			Name: "packer-stream10-ffffff", Type: "kvm", Machine: "q35", MemoryMiB: 4096, VCPUs: 4,
			CPU: CPUHostPassthrough, Firmware: "efi",
			Disks:      []Disk{{Path: "/var/tmp/w/disk.qcow2", Format: "qcow2"}},
			CDROMs:     []Disk{{Path: "/var/tmp/w/seed.iso"}, {Path: "/var/tmp/w/oemdrv.iso"}},
			Network:    "builds",
			MAC:        "52:54:00:aa:bb:cc",
			ConsoleLog: "/var/tmp/w/console.log",
		}},
		{"installer-from-cdrom", Spec{
			Name: "packer-install-1", Type: "qemu", Machine: "pc", MemoryMiB: 2048, VCPUs: 2, Firmware: "bios",
			Disks:         []Disk{{Path: "/w/disk.qcow2", Format: "qcow2", Unsafe: true}},
			CDROMs:        []Disk{{Path: "/cache/CentOS-Stream-9-latest-x86_64-dvd1.iso"}, {Path: "/w/oemdrv.iso"}},
			Network:       "default",
			MAC:           "52:54:00:00:00:09",
			ConsoleLog:    "/w/console.log",
			BootFromCDROM: true,
			StopOnReboot:  true,
		}},
		{"installer-kernel-boot", Spec{
			Name: "packer-install-2", Type: "qemu", Machine: "pc", MemoryMiB: 2048, VCPUs: 2, Firmware: "bios",
			Disks:        []Disk{{Path: "/w/disk.qcow2", Format: "qcow2", Unsafe: true}},
			CDROMs:       []Disk{{Path: "/cache/boot.iso"}},
			Network:      "default",
			MAC:          "52:54:00:00:00:0a",
			Kernel:       "/w/vmlinuz",
			Initrd:       "/w/initrd.img",
			Cmdline:      `inst.stage2=hd:LABEL=CentOS\x207\x20x86_64 inst.ks=hd:LABEL=OEMDRV:/ks.cfg console=ttyS0,115200`,
			StopOnReboot: true,
		}},
		{"pool-volumes-pty-console", Spec{
			Name: "packer-remote-1", Type: "kvm", Machine: "pc", MemoryMiB: 2048, VCPUs: 2, Firmware: "bios",
			CPU:     CPUHostPassthrough,
			Disks:   []Disk{{Pool: "default", Volume: "packer-remote-1-disk.qcow2", Format: "qcow2", Unsafe: true}},
			CDROMs:  []Disk{{Pool: "default", Volume: "packer-remote-1-seed.iso"}},
			Network: "default", MAC: "52:54:00:00:00:0b",
		}},
		{"named-cpu-model-tcg", Spec{
			Name: "packer-x", Type: "qemu", Machine: "pc", MemoryMiB: 1024, VCPUs: 1,
			CPU: "Haswell-v4", Firmware: "bios",
			Disks:   []Disk{{Path: "/d.raw", Format: "raw"}},
			Network: "default", MAC: "52:54:00:00:00:01",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name+".xml")
			if *update {
				if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if got+"\n" != string(want) {
				t.Errorf("domain XML differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			// The XML must read back into the same structure libvirt sees.
			var back libvirtxml.Domain
			if err := back.Unmarshal(got); err != nil {
				t.Fatalf("unmarshal own output: %v", err)
			}
		})
	}
}

func TestCDROMBusFollowsMachine(t *testing.T) {
	tests := []struct {
		machine, bus, firstDev string
	}{
		{"pc", "ide", "hdc"},
		{"pc-i440fx-7.2", "ide", "hdc"},
		{"q35", "sata", "sda"},
		{"pc-q35-7.2", "sata", "sda"},
	}
	for _, tt := range tests {
		d := Build(Spec{Machine: tt.machine, CDROMs: []Disk{{Path: "/seed.iso"}}})
		cd := d.Devices.Disks[0]
		if cd.Target.Bus != tt.bus || cd.Target.Dev != tt.firstDev {
			t.Errorf("machine %s: cdrom on %s/%s, want %s/%s", tt.machine, cd.Target.Bus, cd.Target.Dev, tt.bus, tt.firstDev)
		}
		if cd.ReadOnly == nil {
			t.Errorf("machine %s: cdrom is not read-only", tt.machine)
		}
	}
}

func TestNoGraphicsAndACPI(t *testing.T) {
	d := Build(Spec{Name: "x", Type: "qemu", Machine: "pc", Firmware: "bios"})
	if len(d.Devices.Graphics) != 0 || len(d.Devices.Videos) != 0 {
		t.Error("domain has graphics or video; builds are headless")
	}
	if d.Features == nil || d.Features.ACPI == nil {
		t.Error("domain lacks ACPI; ACPI shutdown would not reach the guest")
	}
	if d.OS.Firmware != "" || d.OS.Loader != nil {
		t.Error("bios domain names firmware")
	}
}
