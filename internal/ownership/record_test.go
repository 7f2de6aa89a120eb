package ownership

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"libvirt.org/go/libvirtxml"
)

func testRecord() Record {
	return Record{
		Owner: Owner{Plugin: "0.1.0-dev", Host: "ci-7", Boot: "b00t", PIDNamespace: "pid:[4026531836]", PID: 4242, Start: 123456,
			Build: `centos-libvirt.stream9 "<&>"`, Created: time.Date(2026, 12, 8, 2, 30, 0, 0, time.UTC)},
		URI: "qemu:///system", Domain: "packer-stream9-ab12cd", WorkDir: "/tmp/packer-centos-1",
		Pool: "default", Network: "default", MAC: "52:54:00:aa:bb:cc", IP: "192.168.122.50",
	}
}

// The record goes into a domain's XML and comes back unchanged, through
// the same libvirtxml types libvirt's answer is read with.
func TestMetadataRoundTrip(t *testing.T) {
	want := testRecord()
	meta, err := want.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(meta, `xmlns="`+Namespace+`"`) {
		t.Errorf("metadata not in our namespace: %s", meta)
	}
	doc, err := domainxml.Marshal(domainxml.Spec{Name: want.Domain, Type: "qemu", Machine: "pc", MemoryMiB: 512, VCPUs: 1, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	var dom libvirtxml.Domain
	if err := dom.Unmarshal(doc); err != nil {
		t.Fatal(err)
	}
	got, err := ParseMetadata(dom.Metadata.XML)
	if err != nil {
		t.Fatal(err)
	}
	got.XMLName = want.XMLName
	if got != want {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	// libvirt's virDomainGetMetadata returns the element without its
	// namespace declaration.
	bare, err := ParseMetadata(strings.Replace(dom.Metadata.XML, ` xmlns="`+Namespace+`"`, "", 1))
	if err != nil {
		t.Fatal(err)
	}
	bare.XMLName = want.XMLName
	if bare != want {
		t.Errorf("without the namespace declaration:\n got %+v\nwant %+v", bare, want)
	}
}

func TestParseMetadataRefusesOthers(t *testing.T) {
	for _, s := range []string{
		`<owner xmlns="https://example.com/other" domain="d" pid="1"/>`,
		`<owner xmlns="` + Namespace + `" pid="1"/>`,
		`<owner xmlns="` + Namespace + `" domain="d"/>`,
		`not xml`,
	} {
		if r, err := ParseMetadata(s); err == nil {
			t.Errorf("ParseMetadata(%s) = %+v, want an error", s, r)
		}
	}
}

// The ledger's file is the owner's alone, replaced whole on each update,
// and reads back as the record.
func TestLedger(t *testing.T) {
	dir := t.TempDir()
	rec := testRecord()
	rec.MAC, rec.IP, rec.Network = "", "", ""
	l, err := NewLedger(dir, rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Update(func(r *Record) { r.Network, r.MAC, r.IP = "default", "52:54:00:01:02:03", "192.168.122.9" }); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, FileName)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("record file mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != l.Record() || got.MAC != "52:54:00:01:02:03" {
		t.Errorf("file holds %+v, ledger %+v", got, l.Record())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want the record alone", len(entries))
	}
}
