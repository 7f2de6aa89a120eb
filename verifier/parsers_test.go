package verifier

import (
	"reflect"
	"testing"
)

func TestParseListeners(t *testing.T) {
	got := parseListeners(`State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
LISTEN 0      128          0.0.0.0:22        0.0.0.0:*
LISTEN 0      128             [::]:22           [::]:*
LISTEN 0      128                *:9090            *:*
UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*
UNCONN 0      0    [fe80::5054:ff:fe12:3456%eth0]:546 [::]:*
garbage
`)
	want := []listener{
		{"0.0.0.0", 22}, {"::", 22}, {"*", 9090}, {"127.0.0.53", 53}, {"fe80::5054:ff:fe12:3456", 546},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestAddrMatches(t *testing.T) {
	tests := []struct {
		want, bound string
		match       bool
	}{
		{"0.0.0.0", "0.0.0.0", true},
		{"0.0.0.0", "*", true},
		{"::", "*", true},
		{"[::]", "::", true},
		{"127.0.0.1", "0.0.0.0", false},
		{"::1", "0:0:0:0:0:0:0:1", false}, // bound side comes normalised from parseListeners
		{"0:0::1", "::1", true},
	}
	for _, tt := range tests {
		if got := addrMatches(tt.want, tt.bound); got != tt.match {
			t.Errorf("addrMatches(%q, %q) = %v", tt.want, tt.bound, got)
		}
	}
}

func TestUnitName(t *testing.T) {
	tests := map[string]string{
		"sshd":                   "sshd.service",
		"sshd.service":           "sshd.service",
		"sshd.socket":            "sshd.socket",
		"multi-user.target":      "multi-user.target",
		"dnf-makecache.timer":    "dnf-makecache.timer",
		"systemd-networkd.v2":    "systemd-networkd.v2.service",
		"getty@tty1":             "getty@tty1.service",
		"var-lib-machines.mount": "var-lib-machines.mount",
	}
	for in, want := range tests {
		if got := unitName(in); got != want {
			t.Errorf("unitName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMountsUnescapes(t *testing.T) {
	got := parseMounts("/dev/sdb1 /mnt/a\\040b\\134c vfat rw,uid=0 0 0\nshort line\n")
	want := []mountEntry{{source: "/dev/sdb1", target: `/mnt/a b\c`, fstype: "vfat", options: []string{"rw", "uid=0"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseCloudInitStatus(t *testing.T) {
	tests := []struct {
		in     string
		status string
		errs   []string
	}{
		{"status: done\nerrors: []\n", "done", nil},
		{"status: running\n", "running", nil},
		{"status: error\nerrors:\n\t- a\n\t- b\nrecoverable_errors: {}\n", "error", []string{"a", "b"}},
		{"status: error\nerrors: ['x failed']\n", "error", []string{"'x failed'"}},
		{"\nstatus: done\ndetail:\n- not an error\n", "done", nil},
	}
	for _, tt := range tests {
		status, errs := parseCloudInitStatus(tt.in)
		if status != tt.status || !reflect.DeepEqual(errs, tt.errs) {
			t.Errorf("parseCloudInitStatus(%q) = %q, %q; want %q, %q", tt.in, status, errs, tt.status, tt.errs)
		}
	}
}

// Inline blocks carry the check's name in a "name" attribute, so no check
// type may have an attribute of that name.
func TestNoCheckTypeHasANameAttribute(t *testing.T) {
	for _, ct := range checkTypes {
		for _, d := range ct.allAttrs() {
			if d.name == "name" {
				t.Errorf("%s checks have an attribute \"name\", which clashes with the inline form", ct.name)
			}
		}
	}
}
