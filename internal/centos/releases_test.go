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
		version   string
		firmware  string
		url       string
		checksum  string
		user      string
		x86Level  int
		wantError bool
	}{
		{"7", BIOS, "https://cloud.centos.org/centos/7/images/CentOS-7-x86_64-GenericCloud.qcow2",
			"file:https://cloud.centos.org/centos/7/images/sha256sum.txt", "centos", 1, false},
		{"7", EFI, "", "", "centos", 1, true},
		{"stream8", BIOS, "https://cloud.centos.org/centos/8-stream/x86_64/images/CentOS-Stream-GenericCloud-8-latest.x86_64.qcow2",
			"file:https://cloud.centos.org/centos/8-stream/x86_64/images/CHECKSUM", "centos", 1, false},
		{"stream8", EFI, "", "", "centos", 1, true},
		{"stream9", BIOS, "https://cloud.centos.org/centos/9-stream/x86_64/images/CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2",
			"file:https://cloud.centos.org/centos/9-stream/x86_64/images/CHECKSUM", "cloud-user", 2, false},
		{"stream9", EFI, "", "", "cloud-user", 2, true},
		{"stream10", BIOS, "https://cloud.centos.org/centos/10-stream/x86_64/images/CentOS-Stream-GenericCloud-10-latest.x86_64.qcow2",
			"file:https://cloud.centos.org/centos/10-stream/x86_64/images/CHECKSUM", "cloud-user", 3, false},
		{"stream10", EFI, "https://cloud.centos.org/centos/10-stream/x86_64/images/CentOS-Stream-GenericCloud-x86_64-10-latest.x86_64.qcow2",
			"file:https://cloud.centos.org/centos/10-stream/x86_64/images/CHECKSUM", "cloud-user", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.version+"/"+tt.firmware, func(t *testing.T) {
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
			img, err := r.CloudImage(tt.firmware)
			if tt.wantError {
				if err == nil || !strings.Contains(err.Error(), "no "+tt.firmware) {
					t.Fatalf("CloudImage(%s) error = %v, want a 'no %s' error", tt.firmware, err, tt.firmware)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if img.URL != tt.url || img.Checksum != tt.checksum {
				t.Errorf("CloudImage(%s) = %+v, want URL %s checksum %s", tt.firmware, img, tt.url, tt.checksum)
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
