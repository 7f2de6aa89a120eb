package centos

import (
	"reflect"
	"strings"
	"testing"
)

// The expected values restate CentOS's published locations (see
// ../shared/CENTOS-FACTS.md §1 and §6) so a typo in the table fails here.
func TestReleases(t *testing.T) {
	tests := []struct {
		version, arch, firmware string
		dir, sums, example      string
		user                    string
		x86Level                int
		wantError               bool
	}{
		{"7", X86_64, BIOS, "centos/7/images/", "sha256sum.txt", "CentOS-7-x86_64-GenericCloud-2211.qcow2", "centos", 1, false},
		{"7", X86_64, EFI, "", "", "", "centos", 1, true},
		{"7", AArch64, EFI, "centos/7/images/", "sha256sum.txt", "CentOS-7-aarch64-GenericCloud-2211.qcow2", "centos", 1, false},
		{"stream8", X86_64, BIOS, "centos/8-stream/x86_64/images/", "CHECKSUM", "CentOS-Stream-GenericCloud-8-20240429.0.x86_64.qcow2", "centos", 1, false},
		{"stream8", X86_64, EFI, "", "", "", "centos", 1, true},
		{"stream9", X86_64, BIOS, "centos/9-stream/x86_64/images/", "CHECKSUM", "CentOS-Stream-GenericCloud-9-20260720.0.x86_64.qcow2", "cloud-user", 2, false},
		{"stream9", X86_64, EFI, "", "", "", "cloud-user", 2, true},
		{"stream9", AArch64, EFI, "centos/9-stream/aarch64/images/", "CHECKSUM", "CentOS-Stream-GenericCloud-9-20250811.0.aarch64.qcow2", "cloud-user", 2, false},
		{"stream10", X86_64, BIOS, "centos/10-stream/x86_64/images/", "CHECKSUM", "CentOS-Stream-GenericCloud-10-20260720.0.x86_64.qcow2", "cloud-user", 3, false},
		{"stream10", X86_64, EFI, "centos/10-stream/x86_64/images/", "CHECKSUM", "CentOS-Stream-GenericCloud-x86_64-10-20241118.0.x86_64.qcow2", "cloud-user", 3, false},
		{"stream10", AArch64, BIOS, "", "", "", "cloud-user", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.version+"/"+tt.arch+"/"+tt.firmware, func(t *testing.T) {
			r, ok := Lookup(tt.version)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.version)
			}
			if r.DefaultUser != tt.user {
				t.Errorf("DefaultUser = %q, want %q", r.DefaultUser, tt.user)
			}
			if r.MinX86Level != tt.x86Level {
				t.Errorf("MinX86Level = %d, want %d", r.MinX86Level, tt.x86Level)
			}
			s, name, err := r.Series(tt.arch, tt.firmware)
			if tt.wantError {
				if err == nil || !strings.Contains(err.Error(), "no "+tt.firmware) {
					t.Fatalf("Series(%s, %s) error = %v, want a 'no %s' error", tt.arch, tt.firmware, err, tt.firmware)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Dir != tt.dir || s.ChecksumFile != tt.sums {
				t.Errorf("Series = %s%s, want %s%s", s.Dir, s.ChecksumFile, tt.dir, tt.sums)
			}
			if !name.MatchString(tt.example) {
				t.Errorf("%s does not match %s", tt.example, name)
			}
			if latest := strings.Replace(tt.example, name.FindStringSubmatch(tt.example)[1], "latest", 1); name.MatchString(latest) {
				t.Errorf("the -latest alias %s matches %s", latest, name)
			}
		})
	}
}

func TestVersionsOrderedAndComplete(t *testing.T) {
	want := []string{"7", "stream8", "stream9", "stream10"}
	if got := Versions(); !reflect.DeepEqual(got, want) {
		t.Errorf("Versions() = %v, want %v", got, want)
	}
	if _, ok := Lookup("8"); ok {
		t.Error("Lookup(\"8\") found a preset; CentOS Linux 8 is not supported")
	}
}

// ISO presets restate CENTOS-FACTS §2 and §6: DVD ISO, checksum file,
// boot menu and its boot command.
func TestISOPresets(t *testing.T) {
	tests := []struct {
		version, url, checksum, biosCommand string
	}{
		{"7", "https://vault.centos.org/7.9.2009/isos/x86_64/CentOS-7-x86_64-DVD-2009.iso",
			"file:https://vault.centos.org/7.9.2009/isos/x86_64/sha256sum.txt",
			"<up><wait><tab> inst.text {{ .KickstartArg }}<enter>"},
		{"stream8", "https://vault.centos.org/8-stream/isos/x86_64/CentOS-Stream-8-20240603.0-x86_64-dvd1.iso",
			"file:https://vault.centos.org/8-stream/isos/x86_64/CHECKSUM",
			"<up><wait><tab> inst.text {{ .KickstartArg }}<enter>"},
		{"stream9", "https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso",
			"file:https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/iso/CentOS-Stream-9-latest-x86_64-dvd1.iso.SHA256SUM",
			"<up><wait><tab> inst.text {{ .KickstartArg }}<enter>"},
		{"stream10", "https://mirror.stream.centos.org/10-stream/BaseOS/x86_64/iso/CentOS-Stream-10-latest-x86_64-dvd1.iso",
			"file:https://mirror.stream.centos.org/10-stream/BaseOS/x86_64/iso/CentOS-Stream-10-latest-x86_64-dvd1.iso.SHA256SUM",
			"<up>e<down><down><end> inst.text {{ .KickstartArg }}<leftCtrlOn>x<leftCtrlOff>"},
	}
	for _, tt := range tests {
		r, _ := Lookup(tt.version)
		if r.ISO.URL != tt.url || r.ISO.Checksum != tt.checksum {
			t.Errorf("%s ISO = %+v", tt.version, r.ISO)
		}
		if r.BootCommand[BIOS] != tt.biosCommand {
			t.Errorf("%s BIOS boot command = %q, want %q", tt.version, r.BootCommand[BIOS], tt.biosCommand)
		}
		if r.BootCommand[EFI] != "<up>e<down><down><end> inst.text {{ .KickstartArg }}<leftCtrlOn>x<leftCtrlOff>" {
			t.Errorf("%s UEFI boot command = %q, want GRUB's edit", tt.version, r.BootCommand[EFI])
		}
	}
}
