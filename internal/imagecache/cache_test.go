package imagecache

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
	"github.com/packer-centos/packer-plugin-centos/internal/ownership"
)

// testCache is a cache in pool "images" of a fake libvirt, whose lines
// go to out.
type testCache struct {
	*Cache
	d   *fake.Driver
	mu  sync.Mutex
	out []string
}

func newTestCache(t *testing.T, d *fake.Driver) *testCache {
	t.Helper()
	host, err := ownership.ThisHost()
	if err != nil {
		t.Skip(err)
	}
	owner, err := host.Self("test", "centos-libvirt.test")
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCache{d: d}
	tc.Cache = &Cache{Driver: d, Pool: "images", Owner: owner, Host: host, Dir: t.TempDir(),
		Say: func(s string) { tc.mu.Lock(); tc.out = append(tc.out, s); tc.mu.Unlock() }}
	return tc
}

func (tc *testCache) said() string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return strings.Join(tc.out, "\n")
}

// uploads counts the uploads of image volumes the fake was asked for.
func uploads(d *fake.Driver) int {
	n := 0
	for _, c := range d.Calls() {
		if strings.HasPrefix(c, "Upload "+Prefix) && strings.HasSuffix(c, ".img") {
			n++
		}
	}
	return n
}

func image(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "source.qcow2")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// use uses the image and makes an overlay backed by it, as a build does.
func (tc *testCache) use(t *testing.T, local, overlay string) Use {
	t.Helper()
	u, err := tc.Use(context.Background(), local, func(v libvirtdriver.VolumeInfo) error {
		_, err := tc.d.CreateVolume(context.Background(), "images", libvirtdriver.Volume{Name: overlay, Format: "qcow2", BackingPath: v.Path})
		return err
	})
	if err != nil {
		t.Fatalf("Use: %v\n%s", err, tc.said())
	}
	return u
}

func TestUploadOnceThenReuse(t *testing.T) {
	d := fake.New()
	d.AddPool("images")
	tc := newTestCache(t, d)
	src := image(t, "the source image's bytes")

	first := tc.use(t, src, "run1-disk.qcow2")
	if first.Uploaded != int64(len("the source image's bytes")) || uploads(d) != 1 {
		t.Errorf("first use uploaded %d bytes in %d uploads", first.Uploaded, uploads(d))
	}
	second := tc.use(t, src, "run2-disk.qcow2")
	if second.Uploaded != 0 || uploads(d) != 1 || second.Volume.Path != first.Volume.Path {
		t.Errorf("second use uploaded %d bytes (%d uploads in all), volume %s vs %s", second.Uploaded, uploads(d), second.Volume.Path, first.Volume.Path)
	}
	if !strings.Contains(tc.said(), "Using cached image") {
		t.Errorf("reuse not reported:\n%s", tc.said())
	}
	for _, v := range d.Volumes("images") {
		if strings.HasSuffix(v, ".lock") {
			t.Errorf("lock %s left", v)
		}
	}
}

// A copy written after its upload, one whose upload never finished (no
// record), and one whose size changed are each uploaded again.
func TestDamagedCopyIsReplaced(t *testing.T) {
	content := "the source image's bytes"
	var sum string // of content, once it is in the cache
	for _, tc := range []struct {
		name   string
		damage func(d *fake.Driver)
		says   string
	}{
		{"written after its upload", func(d *fake.Driver) { d.WriteVolume("images", imageName(sum), []byte("the source image's bytez")) }, "was written after its upload"},
		{"upload never finished", func(d *fake.Driver) { d.DeleteVolume(context.Background(), "images", recordName(sum)) }, "has no record of its upload"},
		{"volume gone", func(d *fake.Driver) { d.DeleteVolume(context.Background(), "images", imageName(sum)) }, "is not there"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := fake.New()
			d.AddPool("images")
			c := newTestCache(t, d)
			src := image(t, content)
			c.use(t, src, "run1-disk.qcow2")
			for _, v := range d.Volumes("images") {
				if s, ok := strings.CutSuffix(strings.TrimPrefix(v, Prefix), ".img"); ok {
					sum = s
				}
			}
			tc.damage(d)
			u := c.use(t, src, "run2-disk.qcow2")
			if u.Uploaded != int64(len(content)) || uploads(d) != 2 {
				t.Errorf("after the damage: uploaded %d bytes, %d uploads in all", u.Uploaded, uploads(d))
			}
			if tc.says != "is not there" && !strings.Contains(c.said(), tc.says) {
				t.Errorf("the damage was not reported as %q:\n%s", tc.says, c.said())
			}
			// And the copy is intact again.
			if u := c.use(t, src, "run3-disk.qcow2"); u.Uploaded != 0 {
				t.Errorf("the replaced copy was uploaded once more")
			}
		})
	}
}

// Two runs that need the same image at once upload it once: the second
// waits for the first's lock.
func TestParallelUsesUploadOnce(t *testing.T) {
	defer func(p time.Duration) { pollEvery = p }(pollEvery)
	pollEvery = 10 * time.Millisecond
	d := fake.New()
	d.AddPool("images")
	d.OnTransfer = func(ctx context.Context, call string) error {
		if strings.HasSuffix(call, ".img") {
			time.Sleep(200 * time.Millisecond) // a slow link
		}
		return nil
	}
	src := image(t, "the source image's bytes")
	var wg sync.WaitGroup
	caches := []*testCache{newTestCache(t, d), newTestCache(t, d)}
	for i, c := range caches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.use(t, src, fmt.Sprintf("run%d-disk.qcow2", i))
		}()
	}
	wg.Wait()
	if n := uploads(d); n != 1 {
		t.Errorf("%d uploads for two parallel runs, want 1:\n%s\n%s", n, caches[0].said(), caches[1].said())
	}
	if !strings.Contains(caches[0].said()+caches[1].said(), "Waiting for ") {
		t.Error("neither run waited for the other")
	}
}

// A lock whose holder died on this host is broken at once; one of
// another host once its heartbeat stands still for staleAfter.
func TestStaleLocksAreBroken(t *testing.T) {
	defer func(p, s time.Duration) { pollEvery, staleAfter = p, s }(pollEvery, staleAfter)
	pollEvery, staleAfter = 10*time.Millisecond, 300*time.Millisecond
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		owner func(me ownership.Owner) ownership.Owner
		says  string
		least time.Duration
	}{
		{"holder gone from this host", func(me ownership.Owner) ownership.Owner { me.PID = dead.Process.Pid; return me }, "process", 0},
		{"holder of another host, silent", func(me ownership.Owner) ownership.Owner { me.Host = "hv-elsewhere"; return me }, "no heartbeat", 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := fake.New()
			d.AddPool("images")
			c := newTestCache(t, d)
			src := image(t, "bytes")
			sum := sha(t, src)
			// A crashed holder's lock.
			d.CreateVolume(context.Background(), "images", libvirtdriver.Volume{Name: lockName(sum), Format: "raw", Capacity: smallVolume})
			holder := &Cache{Driver: d, Pool: "images", Owner: tc.owner(c.Owner), Dir: t.TempDir()}
			if err := holder.writeJSON(context.Background(), lockName(sum), lockRecord{Owner: holder.Owner}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			c.use(t, src, "run-disk.qcow2")
			if took := time.Since(start); took < tc.least {
				t.Errorf("the lock was broken after %s, before its heartbeat could be missed", took)
			}
			if !strings.Contains(c.said(), "Breaking the image cache lock") || !strings.Contains(c.said(), tc.says) {
				t.Errorf("breaking the lock was not reported with %q:\n%s", tc.says, c.said())
			}
		})
	}
}

// Over the cap, the least recently used images go first; one in use and
// the one just used stay.
func TestEvictionLeastRecentlyUsedFirst(t *testing.T) {
	d := fake.New()
	d.AddPool("images")
	c := newTestCache(t, d)
	var srcs, sums []string
	for i := 0; i < 4; i++ {
		srcs = append(srcs, image(t, fmt.Sprintf("image %d, ten bytes", i)))
		sums = append(sums, sha(t, srcs[i]))
	}
	size := int64(len("image 0, ten bytes"))
	// 0 is in use by a live overlay; 1 and 2 were used once each, 2 later.
	c.use(t, srcs[0], "live-disk.qcow2")
	c.use(t, srcs[1], "gone-1")
	d.DeleteVolume(context.Background(), "images", "gone-1")
	c.use(t, srcs[2], "gone-2")
	d.DeleteVolume(context.Background(), "images", "gone-2")
	// Room for three: using 3 evicts 1, the least recently used that
	// nothing uses.
	c.MaxBytes = 3 * size
	c.use(t, srcs[3], "new-disk.qcow2")
	vols := strings.Join(d.Volumes("images"), " ")
	for i, want := range []bool{true, false, true, true} {
		if has := strings.Contains(vols, imageName(sums[i])); has != want {
			t.Errorf("image %d cached: %v, want %v (volumes: %s)", i, has, want, vols)
		}
	}
	if strings.Contains(vols, recordName(sums[1])) {
		t.Error("the evicted image's record is left")
	}
	// Room for one: 2 goes too, 0 (in use) and 3 (just used) stay.
	c.MaxBytes = size
	c.use(t, srcs[3], "newer-disk.qcow2")
	vols = strings.Join(d.Volumes("images"), " ")
	for i, want := range []bool{true, false, false, true} {
		if has := strings.Contains(vols, imageName(sums[i])); has != want {
			t.Errorf("at the smaller cap, image %d cached: %v, want %v", i, has, want)
		}
	}
	if n := strings.Count(c.said(), "Evicted cached image"); n != 2 {
		t.Errorf("%d evictions reported, want 2:\n%s", n, c.said())
	}
}

func TestEvictionOrder(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 12, 8, 3, m, 0, 0, time.UTC) }
	images := map[string]*cached{
		"new":    {sum: "new", lastUsed: at(50)},
		"old":    {sum: "old", lastUsed: at(10)},
		"never":  {sum: "never"}, // no record: oldest of all
		"inuse":  {sum: "inuse", lastUsed: at(1), inUse: true},
		"locked": {sum: "locked", lastUsed: at(2), locked: true},
		"keep":   {sum: "keep", lastUsed: at(0)},
	}
	var got []string
	for _, img := range evictionOrder(images, "keep") {
		got = append(got, img.sum)
	}
	if strings.Join(got, " ") != "never old new" {
		t.Errorf("eviction order %v, want never old new", got)
	}
}

func sha(t *testing.T, path string) string {
	t.Helper()
	sum, _, err := ctxio.SHA256File(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestParseName(t *testing.T) {
	sum := strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		volume, sum, part string
	}{
		{Prefix + sum + ".img", sum, PartImage},
		{Prefix + sum + ".json", sum, PartRecord},
		{Prefix + sum + ".lock", sum, PartLock},
		{Prefix + sum + ".qcow2", "", ""},
		{Prefix + sum[:63] + ".img", "", ""},
		{Prefix + strings.ToUpper(sum) + ".img", "", ""},
		{"packer-x-1-" + sum + ".img", "", ""},
		{Prefix + sum, "", ""},
	} {
		sum, part, ok := ParseName(tc.volume)
		if sum != tc.sum || part != tc.part || ok != (tc.part != "") {
			t.Errorf("ParseName(%s) = %q, %q, %v", tc.volume, sum, part, ok)
		}
	}
}
