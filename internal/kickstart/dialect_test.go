package kickstart

import (
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
)

func TestDialectTable(t *testing.T) {
	tests := []struct {
		version        string
		rhel           int
		sshkey         bool
		rootpwAllowSSH bool
	}{
		{"7", 7, true, false},
		{"stream8", 8, true, false},
		{"stream9", 9, true, true},
		{"stream10", 10, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			d := mustDialect(t, tc.version)
			if d.Version != tc.version || d.RHEL != tc.rhel || d.SSHKey != tc.sshkey || d.RootpwAllowSSH != tc.rootpwAllowSSH {
				t.Errorf("dialect = %+v", d)
			}
			if d.KickstartArg != "inst.ks" || d.TextArg != "inst.text" {
				t.Errorf("boot arguments %q %q, want inst.ks and inst.text", d.KickstartArg, d.TextArg)
			}
			if d.Name == "" {
				t.Error("no name")
			}
		})
	}
}

func TestDialectForUnknown(t *testing.T) {
	for _, v := range []string{"", "8", "stream11", "Stream9"} {
		_, err := DialectFor(v)
		if err == nil || !strings.Contains(err.Error(), `known: "7", "stream8", "stream9", "stream10"`) {
			t.Errorf("DialectFor(%q) err = %v", v, err)
		}
	}
}

// Every release the plugin has presets for has a dialect, and no more.
func TestDialectsMatchReleases(t *testing.T) {
	var got []string
	for _, d := range Dialects() {
		got = append(got, d.Version)
	}
	if want := centos.Versions(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("dialects %v, releases %v", got, want)
	}
}

func TestDialectsReturnsACopy(t *testing.T) {
	ds := Dialects()
	ds[0].RHEL = 99
	if Dialects()[0].RHEL == 99 {
		t.Error("Dialects exposes the package's table")
	}
}

func TestBootArguments(t *testing.T) {
	got := mustDialect(t, "7").BootArguments("http://10.0.2.2:8080/ks.cfg")
	if want := "inst.text inst.ks=http://10.0.2.2:8080/ks.cfg"; got != want {
		t.Errorf("BootArguments = %q, want %q", got, want)
	}
}

func TestSupports(t *testing.T) {
	tests := []struct {
		command, option string
		want            map[string]bool // by version
	}{
		{"install", "", map[string]bool{"7": true, "stream8": true, "stream9": false, "stream10": false}},
		{"auth", "", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": false}},
		{"authconfig", "", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": false}},
		{"unsupported_hardware", "", map[string]bool{"7": true, "stream8": false, "stream9": false, "stream10": false}},
		{"upgrade", "", map[string]bool{"7": true, "stream8": false, "stream9": false, "stream10": false}},
		{"device", "", map[string]bool{"7": true, "stream8": true, "stream9": false, "stream10": false}},
		{"deviceprobe", "", map[string]bool{"7": true, "stream8": true, "stream9": false, "stream10": false}},
		{"dmraid", "", map[string]bool{"7": true, "stream8": true, "stream9": false, "stream10": false}},
		{"multipath", "", map[string]bool{"7": true, "stream8": true, "stream9": false, "stream10": false}},
		{"authselect", "", map[string]bool{"7": false, "stream8": true, "stream9": true, "stream10": true}},
		{"timesource", "", map[string]bool{"7": false, "stream8": false, "stream9": true, "stream10": true}},
		{"sshkey", "", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": true}},
		{"rootpw", "", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": true}},
		{"rootpw", "--allow-ssh", map[string]bool{"7": false, "stream8": false, "stream9": true, "stream10": true}},
		{"%packages", "--nobase", map[string]bool{"7": true, "stream8": false, "stream9": false, "stream10": false}},
		{"timezone", "--ntpservers", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": false}},
		{"timezone", "--nontp", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": false}},
		{"timezone", "--isUtc", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": false}},
		{"timezone", "--utc", map[string]bool{"7": true, "stream8": true, "stream9": true, "stream10": true}},
	}
	for _, tc := range tests {
		for version, want := range tc.want {
			d := mustDialect(t, version)
			var got bool
			if tc.option == "" {
				got = d.Supports(tc.command)
			} else {
				got = d.SupportsOption(tc.command, tc.option)
			}
			if got != want {
				t.Errorf("%s supports %q %q = %v, want %v", version, tc.command, tc.option, got, want)
			}
		}
	}
}
