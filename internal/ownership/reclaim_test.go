package ownership

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/internal/domainxml"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

const testURI = "qemu:///system"

// world is a fake libvirt with a pool and a $TMPDIR, where runs leave
// what a killed build would.
type world struct {
	t    *testing.T
	d    *fake.Driver
	tmp  string
	host Host
	ip   netip.Addr
}

func newWorld(t *testing.T) *world {
	host, err := ThisHost()
	if err != nil {
		t.Skip(err)
	}
	d := fake.New(fake.NATNetwork("default"))
	d.AddPool("default")
	return &world{t: t, d: d, tmp: t.TempDir(), host: host, ip: netip.MustParseAddr("192.168.122.10")}
}

// leftovers of one run: which objects it got to make.
type leftovers struct {
	domain, reservation, workdir bool
	volumes                      []string
}

// plant makes the objects of a run with owner o, as far as left says.
func (w *world) plant(name string, o Owner, uri string, left leftovers) Record {
	t := w.t
	ctx := context.Background()
	rec := Record{Owner: o, URI: uri, Domain: name, Pool: "default"}
	if left.workdir {
		dir, err := os.MkdirTemp(w.tmp, "packer-centos-")
		if err != nil {
			t.Fatal(err)
		}
		rec.WorkDir = dir
	}
	if left.reservation {
		w.ip = w.ip.Next()
		rec.Network, rec.MAC, rec.IP = "default", "52:54:00:00:00:"+w.ip.String()[len(w.ip.String())-2:], w.ip.String()
		if err := w.d.AddDHCPHost(ctx, "default", libvirtdriver.DHCPHost{MAC: rec.MAC, IP: w.ip}); err != nil {
			t.Fatal(err)
		}
	}
	if rec.WorkDir != "" {
		if _, err := NewLedger(rec.WorkDir, rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range left.volumes {
		if _, err := w.d.CreateVolume(ctx, "default", libvirtdriver.Volume{Name: v, Format: "qcow2", Capacity: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	if left.domain {
		meta, err := rec.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		doc, err := domainxml.Marshal(domainxml.Spec{Name: name, Type: "qemu", Machine: "pc", MemoryMiB: 512, VCPUs: 1, Metadata: meta})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.d.DefineDomain(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if err := w.d.StartDomain(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

// deadOwner is an owner on this host whose process has exited.
func (w *world) deadOwner(build string) Owner {
	p := exec.Command("true")
	if err := p.Run(); err != nil {
		w.t.Fatal(err)
	}
	return Owner{Plugin: "0.1.0-dev", Host: w.host.Name, Boot: w.host.Boot, PIDNamespace: w.host.PIDNamespace, PID: p.Process.Pid, Start: 1, Build: build}
}

func TestReclaim(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	me, err := w.host.Self("0.1.0-dev", "live")
	if err != nil {
		t.Fatal(err)
	}

	// Killed while it ran: everything is reclaimed.
	killed := w.plant("packer-killed-aaaaaa", w.deadOwner("centos-libvirt.killed"), testURI,
		leftovers{domain: true, reservation: true, workdir: true, volumes: []string{"packer-killed-aaaaaa-source.qcow2", "packer-killed-aaaaaa-disk.qcow2"}})
	// Killed before it booted: no domain, the rest from its directory.
	early := w.plant("packer-early-bbbbbb", w.deadOwner("centos-libvirt.early"), testURI,
		leftovers{reservation: true, workdir: true, volumes: []string{"packer-early-bbbbbb-source.qcow2"}})
	// A live build's objects stay.
	live := w.plant("packer-live-cccccc", me, testURI, leftovers{domain: true, reservation: true, workdir: true, volumes: []string{"packer-live-cccccc-disk.qcow2"}})
	// Another host's build, on the same libvirt: nothing here can tell.
	other := w.deadOwner("centos-libvirt.other")
	other.Host += "-elsewhere"
	w.plant("packer-other-dddddd", other, testURI, leftovers{domain: true, reservation: true, volumes: []string{"packer-other-dddddd-disk.qcow2"}})
	// A dead build against another libvirt: its objects are over there,
	// and its directory waits for a run that connects to it.
	away := w.plant("packer-away-eeeeee", w.deadOwner("centos-libvirt.away"), "qemu+ssh://hv9/system", leftovers{workdir: true})
	// A dead domain whose record names a directory that is not a run's.
	stranger := t.TempDir()
	forged := w.plant("packer-forged-ffffff", w.deadOwner("centos-libvirt.forged"), testURI, leftovers{domain: true})
	forged.WorkDir = stranger
	w.d.Stop(forged.Domain)
	w.d.UndefineDomain(ctx, forged.Domain)
	meta, _ := forged.Metadata()
	doc, _ := domainxml.Marshal(domainxml.Spec{Name: forged.Domain, Type: "qemu", Machine: "pc", MemoryMiB: 512, VCPUs: 1, Metadata: meta})
	w.d.DefineDomain(ctx, doc)
	// Not ours at all.
	doc, _ = domainxml.Marshal(domainxml.Spec{Name: "someone-elses", Type: "qemu", Machine: "pc", MemoryMiB: 512, VCPUs: 1})
	w.d.DefineDomain(ctx, doc)
	w.d.CreateVolume(ctx, "default", libvirtdriver.Volume{Name: "someone-elses.qcow2", Format: "qcow2"})

	var said, warned []string
	n := Reclaimer{Libvirt: w.d, Host: w.host, URI: testURI, TempDir: w.tmp,
		Say: func(s string) { said = append(said, s) }, Warn: func(s string) { warned = append(warned, s) }}.Run(ctx)

	if len(warned) > 0 {
		t.Errorf("warnings: %q", warned)
	}
	doms := w.d.Domains()
	sort.Strings(doms)
	if want := []string{live.Domain, "packer-other-dddddd", "someone-elses"}; strings.Join(doms, " ") != strings.Join(want, " ") {
		t.Errorf("domains left %v, want %v", doms, want)
	}
	if want := []string{"packer-live-cccccc-disk.qcow2", "packer-other-dddddd-disk.qcow2", "someone-elses.qcow2"}; strings.Join(w.d.Volumes("default"), " ") != strings.Join(want, " ") {
		t.Errorf("volumes left %v, want %v", w.d.Volumes("default"), want)
	}
	var macs []string
	for _, h := range w.d.Hosts("default") {
		macs = append(macs, h.MAC)
	}
	if len(macs) != 2 || macs[0] != live.MAC {
		t.Errorf("reservations left %v, want the live build's and the other host's", macs)
	}
	for dir, want := range map[string]bool{killed.WorkDir: false, early.WorkDir: false, live.WorkDir: true, away.WorkDir: true, stranger: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("directory %s exists: %v, want %v", dir, err == nil, want)
		}
	}
	// One line per object, naming the build it came from.
	want := map[string]int{"centos-libvirt.killed": 5, "centos-libvirt.early": 3, "centos-libvirt.forged": 1}
	got := map[string]int{}
	for _, line := range said {
		if !strings.HasPrefix(line, "Reclaimed ") || !strings.Contains(line, "has exited") {
			t.Errorf("line %q does not say what was reclaimed and why", line)
		}
		for build := range want {
			if strings.Contains(line, `"`+build+`"`) {
				got[build]++
			}
		}
	}
	for build, count := range want {
		if got[build] != count {
			t.Errorf("%d lines for %s, want %d:\n%s", got[build], build, count, strings.Join(said, "\n"))
		}
	}
	if n != 9 || len(said) != 9 {
		t.Errorf("reclaimed %d objects in %d lines, want 9", n, len(said))
	}

	// A second pass finds nothing more.
	said = nil
	if n := (Reclaimer{Libvirt: w.d, Host: w.host, URI: testURI, TempDir: w.tmp, Say: func(s string) { said = append(said, s) }, Warn: func(s string) { t.Error(s) }}).Run(ctx); n != 0 {
		t.Errorf("second pass reclaimed %d: %q", n, said)
	}
}

// An object that cannot be removed is a warning; the others still go.
func TestReclaimGoesOnPastFailures(t *testing.T) {
	w := newWorld(t)
	killed := w.plant("packer-killed-aaaaaa", w.deadOwner("centos-libvirt.killed"), testURI,
		leftovers{domain: true, reservation: true, workdir: true, volumes: []string{"packer-killed-aaaaaa-disk.qcow2"}})
	w.d.Fail = map[string]error{"UndefineDomain": os.ErrPermission}
	var said, warned []string
	n := Reclaimer{Libvirt: w.d, Host: w.host, URI: testURI, TempDir: w.tmp,
		Say: func(s string) { said = append(said, s) }, Warn: func(s string) { warned = append(warned, s) }}.Run(context.Background())
	if len(warned) != 1 || !strings.Contains(warned[0], "domain "+killed.Domain) || !strings.Contains(warned[0], "permission denied") {
		t.Errorf("warnings %q, want one naming the domain and the cause", warned)
	}
	if n != 3 || len(w.d.Volumes("default")) != 0 || len(w.d.Hosts("default")) != 0 {
		t.Errorf("reclaimed %d (%q); volumes %v, reservations %v left", n, said, w.d.Volumes("default"), w.d.Hosts("default"))
	}
}
