package verifier

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParsePackageManagerProbe(t *testing.T) {
	tests := []struct {
		name   string
		stdout string
		want   PackageManager
	}{
		{"centos", "ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n@@verifier@@\n/usr/bin/rpm\n", RPM},
		{"rocky by ID_LIKE", "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n@@verifier@@\n", RPM},
		{"opensuse-leap", "ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n@@verifier@@\n", RPM},
		{"fedora", "ID=fedora\n@@verifier@@\n", RPM},
		{"debian", "ID=debian\n@@verifier@@\n/usr/bin/dpkg-query\n", Dpkg},
		{"ubuntu with rpm also installed", "ID=ubuntu\nID_LIKE=debian\n@@verifier@@\n/usr/bin/rpm\n/usr/bin/dpkg-query\n", Dpkg},
		{"mint by ID_LIKE", "ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n@@verifier@@\n", Dpkg},
		{"unknown with rpm", "ID=mystery\n@@verifier@@\n/bin/rpm\n", RPM},
		{"no os-release, dpkg-query", "@@verifier@@\n/usr/bin/dpkg-query\n", Dpkg},
	}
	for _, tt := range tests {
		got, err := parsePackageManagerProbe(tt.stdout)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if got, err := parsePackageManagerProbe("ID=mystery\n@@verifier@@\n"); err == nil {
		t.Errorf("no tool: got %q, want an error", got)
	}
}

func TestParseOSRelease(t *testing.T) {
	got := parseOSRelease("# comment\nNAME=\"CentOS \\\"Stream\\\"\"\nID=centos\nVERSION_ID='9'\nEMPTY=\nBROKEN\n")
	want := map[string]string{"NAME": `CentOS "Stream"`, "ID": "centos", "VERSION_ID": "9", "EMPTY": ""}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestParseBootTime(t *testing.T) {
	got, err := parseBootTime("btime 1700000000\n")
	if err != nil || !got.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", "btime x", "cpu 1 2 3"} {
		if _, err := parseBootTime(bad); err == nil {
			t.Errorf("parseBootTime(%q) did not fail", bad)
		}
	}
}

func TestCachedLoadsOnceAndDoesNotCacheFailures(t *testing.T) {
	c := newCached[int]()
	var loads atomic.Int32
	fail := true
	load := func(context.Context) (int, error) {
		loads.Add(1)
		if fail {
			return 0, errors.New("boom")
		}
		time.Sleep(5 * time.Millisecond)
		return 42, nil
	}
	if _, err := c.get(context.Background(), load); err == nil {
		t.Fatal("failure not reported")
	}
	fail = false
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.get(context.Background(), load); v != 42 || err != nil {
				t.Errorf("get = %d, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if n := loads.Load(); n != 2 {
		t.Errorf("loaded %d times, want 2 (one failure, then once for all)", n)
	}
}

func TestCachedWaiterGivesUpWithItsContext(t *testing.T) {
	c := newCached[int]()
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = c.get(context.Background(), func(context.Context) (int, error) {
			close(started)
			<-release
			return 1, nil
		})
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.get(ctx, func(context.Context) (int, error) { return 2, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter got %v, want its deadline", err)
	}
	close(release)
}
