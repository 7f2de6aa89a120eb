//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/rawdisk"
)

// world is what internal/testworld/world.sh tells the tests.
type world struct {
	packer      string
	uri         string
	network     string
	image       string
	imageSHA256 string
	// rpmImage is the RPM stand-in (internal/standin/rpmguest).
	rpmImage       string
	rpmImageSHA256 string
	domainPrefix   string
	pluginDir      string // PACKER_PLUGIN_PATH with this plugin installed
	verifyCommand  string // the centos-verify command, built from this tree
	repo           string
}

var theWorld *world

// cleanups run when the whole run ends: servers and directories that
// live as long as the shared pipelines.
var cleanups []func()

func TestMain(m *testing.M) {
	w, err := setUp()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e set-up:", err)
		os.Exit(1)
	}
	theWorld = w
	code := m.Run()
	if w != nil {
		os.RemoveAll(w.pluginDir)
		removeShared()
		for _, c := range cleanups {
			c()
		}
		printWallTimes(os.Stdout)
	}
	os.Exit(code)
}

// wallTimes is how long each test took, for the summary at the end of the
// run: where the suite's time goes.
var wallTimes struct {
	mu    sync.Mutex
	tests map[string]time.Duration
}

func printWallTimes(out io.Writer) {
	wallTimes.mu.Lock()
	defer wallTimes.mu.Unlock()
	names := make([]string, 0, len(wallTimes.tests))
	var total time.Duration
	for name, d := range wallTimes.tests {
		names = append(names, name)
		total += d
	}
	sort.Slice(names, func(i, j int) bool { return wallTimes.tests[names[i]] > wallTimes.tests[names[j]] })
	fmt.Fprintln(out, "e2e wall time per test, longest first:")
	for _, name := range names {
		fmt.Fprintf(out, "  %-40s %7.1fs\n", name, wallTimes.tests[name].Seconds())
	}
	fmt.Fprintf(out, "  %-40s %7.1fs\n", "total", total.Seconds())
}

// setUp reads the world and installs a release build of the plugin, so
// `packer init` finds it without the network. It returns nil (and the
// tests skip) only when no world is there.
func setUp() (*world, error) {
	if os.Getenv("WORLD_PACKER") == "" {
		return nil, nil
	}
	w := &world{
		packer:         os.Getenv("WORLD_PACKER"),
		uri:            os.Getenv("WORLD_LIBVIRT_URI"),
		network:        os.Getenv("WORLD_NETWORK"),
		image:          os.Getenv("WORLD_STANDIN_IMAGE"),
		imageSHA256:    os.Getenv("WORLD_STANDIN_SHA256"),
		rpmImage:       os.Getenv("WORLD_RPM_STANDIN_IMAGE"),
		rpmImageSHA256: os.Getenv("WORLD_RPM_STANDIN_SHA256"),
		domainPrefix:   os.Getenv("WORLD_DOMAIN_PREFIX"),
	}
	_, file, _, _ := runtime.Caller(0)
	w.repo = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	dir, err := os.MkdirTemp("", "e2e-plugins-")
	if err != nil {
		return nil, err
	}
	w.pluginDir = dir
	bin := filepath.Join(dir, "packer-plugin-centos")
	build := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X github.com/packer-centos/packer-plugin-centos/version.VersionPrerelease=", ".")
	build.Dir = w.repo
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build plugin: %v\n%s", err, out)
	}
	w.verifyCommand = filepath.Join(dir, "centos-verify")
	build = exec.Command("go", "build", "-o", w.verifyCommand, "./cmd/centos-verify")
	build.Dir = w.repo
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build centos-verify: %v\n%s", err, out)
	}
	install := exec.Command(w.packer, "plugins", "install", "--path", bin, "github.com/packer-centos/centos")
	install.Env = w.env(nil)
	if out, err := install.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("install plugin: %v\n%s", err, out)
	}
	return w, nil
}

// requireWorld is the first call of every test: it skips the test without
// a world, and times it for the summary.
func requireWorld(t *testing.T) *world {
	t.Helper()
	if theWorld == nil {
		t.Skip("no test world: run through `make test` (internal/testworld/world.sh)")
	}
	start := time.Now()
	t.Cleanup(func() {
		wallTimes.mu.Lock()
		defer wallTimes.mu.Unlock()
		if wallTimes.tests == nil {
			wallTimes.tests = map[string]time.Duration{}
		}
		wallTimes.tests[t.Name()] += time.Since(start)
	})
	return theWorld
}

func (w *world) env(extra map[string]string) []string {
	env := append(os.Environ(), "CHECKPOINT_DISABLE=1", "PACKER_PLUGIN_PATH="+w.pluginDir, "PACKER_NO_COLOR=1")
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// runEnv is the environment of a packer run in dir: its own TMPDIR and
// cache, plus env.
func (w *world) runEnv(dir, tmp string, env map[string]string) []string {
	vars := map[string]string{"TMPDIR": tmp, "PACKER_CACHE_DIR": filepath.Join(dir, "packer_cache")}
	for k, v := range env {
		vars[k] = v
	}
	return w.env(vars)
}

// workDir makes a directory the guest's qemu (another user) can traverse,
// with its own TMPDIR so leftovers of a build can be counted.
func workDir(t *testing.T) (dir, tmp string) {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "packer-centos-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	tmp = filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, tmp
}

// packerRun runs packer in dir and returns its combined output and exit
// code.
func (w *world) packerRun(t *testing.T, dir, tmp string, timeout time.Duration, args ...string) (string, int) {
	t.Helper()
	return w.packerRunEnv(t, dir, tmp, timeout, nil, args...)
}

// packerRunEnv is packerRun with more environment variables.
func (w *world) packerRunEnv(t *testing.T, dir, tmp string, timeout time.Duration, env map[string]string, args ...string) (string, int) {
	t.Helper()
	return startPacker(t, w, dir, tmp, env, args...).wait(t, timeout)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func virsh(t *testing.T, w *world, args ...string) string {
	t.Helper()
	out, err := exec.Command("virsh", append([]string{"-c", w.uri}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("virsh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// snapshot is what a build may leave behind: domains, DHCP host entries
// and files in its TMPDIR.
type snapshot struct {
	domains []string
	hosts   int
	tmp     []string
}

func takeSnapshot(t *testing.T, w *world, tmp string) snapshot {
	t.Helper()
	var s snapshot
	for _, d := range strings.Fields(virsh(t, w, "list", "--all", "--name")) {
		if strings.HasPrefix(d, w.domainPrefix) {
			s.domains = append(s.domains, d)
		}
	}
	s.hosts = strings.Count(virsh(t, w, "net-dumpxml", w.network), "<host ")
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		s.tmp = append(s.tmp, e.Name())
	}
	sort.Strings(s.tmp)
	return s
}

func assertNothingLeft(t *testing.T, before, after snapshot) {
	t.Helper()
	if len(after.domains) > len(before.domains) {
		t.Errorf("domains left behind: %v (before: %v)", after.domains, before.domains)
	}
	if after.hosts != before.hosts {
		t.Errorf("DHCP host entries on the network: %d before, %d after", before.hosts, after.hosts)
	}
	if len(after.tmp) > len(before.tmp) {
		t.Errorf("files left in TMPDIR: %v", after.tmp)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// guestDisk is a disk image flattened to raw, whose ext4 partitions are
// read without booting it.
type guestDisk struct {
	*rawdisk.Disk
	raw string
}

func openGuestDisk(t *testing.T, image string) *guestDisk {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "disk.raw")
	d, err := rawdisk.Open(context.Background(), image, raw)
	if err != nil {
		t.Fatalf("open %s: %v", image, err)
	}
	return &guestDisk{Disk: d, raw: raw}
}

// file reads a file from whichever ext4 partition has it.
func (d *guestDisk) file(path string) (string, error) {
	return d.ReadFile(context.Background(), path)
}
