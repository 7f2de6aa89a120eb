package guest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
)

var update = flag.Bool("update", false, "rewrite testdata/boot/*.golden from the current output")

// Each console in testdata/boot is one boot; its golden file is what the
// watch says of it: the failure, or that it found none. The console is fed
// to the watch in small pieces, as libvirt writes it, so lines split
// between reads are read whole.
func TestBootFailureGolden(t *testing.T) {
	consoles, err := filepath.Glob("testdata/boot/*.console")
	if err != nil || len(consoles) == 0 {
		t.Fatalf("no consoles: %v", err)
	}
	for _, console := range consoles {
		name := strings.TrimSuffix(filepath.Base(console), ".console")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(console)
			if err != nil {
				t.Fatal(err)
			}
			log := filepath.Join(t.TempDir(), "console.log")
			now := time.Now()
			w := &consoleWatch{path: log, seeded: true, now: func() time.Time { return now }}
			var f *BootFailure
			found := false
			// Pieces of 37 bytes, or some thirty pieces of a long console.
			step := max(37, len(data)/30)
			for i := 0; i < len(data) && !found; i += step {
				appendFile(t, log, data[i:min(i+step, len(data))])
				f, found = w.check()
			}
			if !found {
				// Nothing more is written: a failure that must settle
				// counts once its time has passed.
				w.check()
				now = now.Add(time.Hour)
				f, found = w.check()
			}
			got := "no known cause\n"
			if found {
				got = f.Error() + "\n"
			}
			golden := strings.TrimSuffix(console, ".console") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("watch says\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}

// WatchBoot ends its context with the failure once the console shows
// one, reads only the boot since a reboot, and ends with nothing found
// when stopped.
func TestWatchBoot(t *testing.T) {
	log := filepath.Join(t.TempDir(), "console.log")
	panicked := []byte("[    1.9] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n")
	appendFile(t, log, panicked)
	g := &Guest{ConsoleLog: log}
	g.rebooted, g.consoleFrom = true, g.consoleSize() // the panic was the last boot's

	watched, stop := g.WatchBoot(context.Background())
	select {
	case <-watched.Done():
		t.Fatalf("the watch of the new boot ended on the last boot's panic: %v", context.Cause(watched))
	case <-time.After(3 * watchInterval):
	}
	appendFile(t, log, []byte("Welcome to CentOS Stream 9!\n"))
	appendFile(t, log, panicked)
	select {
	case <-watched.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the watch did not end on the panic")
	}
	stop()
	if f := BootFailed(watched); f == nil || !strings.Contains(f.Cause, "kernel panic: VFS: Unable to mount root fs") {
		t.Errorf("BootFailed = %v", f)
	}

	g.consoleFrom = g.consoleSize() // a boot with nothing on its console yet
	watched, stop = g.WatchBoot(context.Background())
	stop()
	if watched.Err() == nil || BootFailed(watched) != nil {
		t.Errorf("a stopped watch: err %v, failure %v", watched.Err(), BootFailed(watched))
	}
}

// cloud-init finding no datasource keeps nobody out of a guest that was
// not given our seed: its login does not depend on cloud-init.
func TestNoDatasourceOnlyMattersWithASeed(t *testing.T) {
	data, err := os.ReadFile("testdata/boot/stream9-no-datasource.console")
	if err != nil {
		t.Fatal(err)
	}
	lines := cleanLines(data)
	if f, _, ok := FindBootFailure(lines, false); ok {
		t.Errorf("without a seed: %v", f)
	}
	if _, _, ok := FindBootFailure(lines, true); !ok {
		t.Error("with a seed the missing datasource is not named")
	}
}

// A guest whose console shows its login prompt but which has not asked
// for its reserved address within the grace fails with that named; one
// that took its lease during this boot does not.
func TestWatchBootNoDHCP(t *testing.T) {
	grace, interval := dhcpGrace, leaseCheckInterval
	dhcpGrace, leaseCheckInterval = 200*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { dhcpGrace, leaseCheckInterval = grace, interval })
	for _, leased := range []bool{false, true} {
		n := fake.NATNetwork("default")
		d := fake.New(n)
		g, _ := newGuest(t, d, n)
		g.ConsoleLog = filepath.Join(t.TempDir(), "console.log")
		if err := g.ReserveAddress(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.BootStarted = time.Now()
		if leased {
			d.LeaseReserved("default", g.MAC, time.Now())
		}
		appendFile(t, g.ConsoleLog, []byte("[  OK  ] Reached target Multi-User System.\nDebian GNU/Linux 12 packer-verify ttyS0\n\npacker-verify login: "))
		watched, stop := g.WatchBoot(context.Background())
		select {
		case <-watched.Done():
		case <-time.After(1500 * time.Millisecond):
		}
		stop()
		f := BootFailed(watched)
		switch {
		case leased && f != nil:
			t.Errorf("a guest that took its lease: %v", f)
		case !leased && (f == nil || !strings.Contains(f.Cause, "has not asked for its address "+g.IP.String())):
			t.Errorf("a guest that never asked for its address: %v", f)
		}
	}
}
