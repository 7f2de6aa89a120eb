package ownership

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Namespace is the XML namespace of the record in a domain's metadata.
const Namespace = "https://github.com/packer-centos/centos/ownership/v1"

// FileName is the record's file in a run's working directory.
const FileName = "owner.json"

// Record is one run's ownership record: its owner and everything it
// makes. It is written before each object is made, so a run killed at
// any point has a record of all it may have left.
type Record struct {
	XMLName xml.Name `json:"-" xml:"https://github.com/packer-centos/centos/ownership/v1 owner"`
	Owner
	// URI is the libvirt connection the objects were made through.
	URI string `json:"uri" xml:"uri,attr"`
	// Domain is the run's domain (it may not be defined yet); its
	// volumes are the ones of Pool whose names start with Domain + "-".
	Domain  string `json:"domain" xml:"domain,attr"`
	WorkDir string `json:"workdir,omitempty" xml:"workdir,attr,omitempty"`
	Pool    string `json:"pool,omitempty" xml:"pool,attr,omitempty"`
	// Network, MAC and IP are the DHCP reservation, once asked for.
	Network string `json:"network,omitempty" xml:"network,attr,omitempty"`
	MAC     string `json:"mac,omitempty" xml:"mac,attr,omitempty"`
	IP      string `json:"ip,omitempty" xml:"ip,attr,omitempty"`
}

// VolumePrefix starts the name of every volume of the run.
func (r Record) VolumePrefix() string { return r.Domain + "-" }

// Metadata is the record as a domain's metadata element.
func (r Record) Metadata() (string, error) {
	b, err := xml.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode ownership record: %w", err)
	}
	return string(b), nil
}

// ParseMetadata reads a record from a domain's metadata element. libvirt
// hands the element back without its namespace declaration (it asked
// for the namespace, after all); one with a declaration must be ours.
func ParseMetadata(s string) (Record, error) {
	if !strings.Contains(s, "xmlns=") {
		s = strings.Replace(s, "<owner", `<owner xmlns="`+Namespace+`"`, 1)
	}
	var r Record
	if err := xml.Unmarshal([]byte(s), &r); err != nil {
		return Record{}, fmt.Errorf("decode ownership record: %w", err)
	}
	if err := r.check(); err != nil {
		return Record{}, fmt.Errorf("decode ownership record %q: %w", s, err)
	}
	return r, nil
}

// ReadFile reads a record file.
func ReadFile(path string) (Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Record{}, fmt.Errorf("read ownership record: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("decode ownership record %s: %w", path, err)
	}
	if err := r.check(); err != nil {
		return Record{}, fmt.Errorf("decode ownership record %s: %w", path, err)
	}
	return r, nil
}

// check refuses a record that names no run: without a domain and a pid
// nothing could be reclaimed on its word.
func (r Record) check() error {
	if r.Domain == "" || r.PID == 0 {
		return errors.New("no domain or pid")
	}
	return nil
}

// Ledger keeps a run's record up to date in its file.
type Ledger struct {
	path string
	mu   sync.Mutex
	rec  Record
}

// NewLedger writes rec into dir's record file.
func NewLedger(dir string, rec Record) (*Ledger, error) {
	l := &Ledger{path: filepath.Join(dir, FileName), rec: rec}
	return l, l.write()
}

// Update changes the record and writes it, before the object it names
// is made.
func (l *Ledger) Update(change func(*Record)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	change(&l.rec)
	return l.write()
}

// Record is the record as it stands.
func (l *Ledger) Record() Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec
}

// write replaces the file in one rename, so a kill never leaves half a
// record. The file is the owner's alone (0600).
func (l *Ledger) write() error {
	b, err := json.MarshalIndent(l.rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode ownership record: %w", err)
	}
	tmp := l.path + ".new"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write ownership record: %w", err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write ownership record: %w", err)
	}
	return nil
}
