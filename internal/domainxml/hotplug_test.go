package domainxml

import (
	"strings"
	"testing"
)

func TestReadOnlyDiskXML(t *testing.T) {
	for _, tt := range []struct {
		disk Disk
		want []string
	}{
		{Disk{Path: "/var/lib/images/app.qcow2", Format: "qcow2"}, []string{`<source file="/var/lib/images/app.qcow2">`, `type="qcow2"`}},
		{Disk{Pool: "images", Volume: "base.raw", Format: "raw"}, []string{`<source pool="images" volume="base.raw">`, `type="raw"`}},
	} {
		got, err := ReadOnlyDiskXML(tt.disk, "vdb", "packer-image")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append(tt.want, `<disk type=`, `device="disk"`, `<target dev="vdb" bus="virtio">`, "<readonly></readonly>", "<serial>packer-image</serial>") {
			if !strings.Contains(got, want) {
				t.Errorf("disk XML lacks %s:\n%s", want, got)
			}
		}
	}
}
