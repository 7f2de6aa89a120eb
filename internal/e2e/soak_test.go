//go:build e2e && soak

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSoak (make soak; not part of make test) runs SOAK_CYCLES build +
// verify cycles in a row (default 20), then SOAK_ROUNDS rounds of three
// parallel builds (default 3), all with their disks in a storage pool, as
// a CI fleet on one hypervisor host would. After each it records
// libvirtd's open file descriptors and resident memory, the network's DHCP
// hosts and leases, the pool's volumes, the free space under /var/tmp and
// the working directories, and fails when anything of a run is left or a
// figure grows without bound. It prints the figures as a table and a
// plot, and writes them to $SOAK_REPORT (default soak-report.txt in the
// repository).
func TestSoak(t *testing.T) {
	w := requireWorld(t)
	cycles, rounds := envInt(t, "SOAK_CYCLES", 20), envInt(t, "SOAK_ROUNDS", 3)
	pool := transientPool(t, w)
	pid := libvirtdPID(t)
	dir, tmp := workDir(t)
	// The cycles generalize, as verify's built-ins want; the parallel
	// builds, which are not verified, save themselves the time.
	source := func(name, extra string) string {
		return standinSource(w, name, "  storage_pool = \""+pool+"\""+extra)
	}
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), source("cycle", "")+source("p1", noGeneralize)+source("p2", noGeneralize)+source("p3", noGeneralize)+`
build {
  name    = "cycle"
  sources = ["source.centos-libvirt.cycle"]
  provisioner "shell" { inline = ["echo soak | sudo tee /etc/soak"] }
`+verifyBlock(w, `    storage_pool = "`+pool+`"`)+`
}
build {
  name    = "parallel"
  sources = ["source.centos-libvirt.p1", "source.centos-libvirt.p2", "source.centos-libvirt.p3"]
  provisioner "shell" { inline = ["hostname | sudo tee /etc/built-as"] }
}
`)
	before := takeSnapshot(t, w, tmp)
	var samples []soakSample
	sample := func(label string, took time.Duration) {
		s := soakSample{label: label, took: took, fds: openFDs(t, pid), rssKiB: rssKiB(t, pid),
			hosts: before.hosts, leases: countLeases(t, w), freeMiB: freeMiB(t, "/var/tmp"), outputsMiB: usedMiB(t, dir)}
		snap := takeSnapshot(t, w, tmp)
		s.hosts, s.workDirs = snap.hosts, len(snap.tmp)
		for _, v := range volumes(t, w, pool) {
			if !strings.HasPrefix(v, "centos-cache-") {
				s.runVolumes++
			}
			s.volumes++
		}
		samples = append(samples, s)
		assertNothingLeft(t, before, snap)
		assertOnlyCacheLeft(t, w, pool)
		t.Logf("%-12s %6.0fs  fds %d  rss %d KiB  hosts %d  leases %d  volumes %d  free %d MiB  work dirs %d",
			label, took.Seconds(), s.fds, s.rssKiB, s.hosts, s.leases, s.volumes, s.freeMiB, s.workDirs)
	}
	sample("before", 0)
	run := func(label string, args ...string) {
		start := time.Now()
		out, code := w.packerRun(t, dir, tmp, 30*time.Minute, args...)
		if code != 0 {
			t.Fatalf("%s: packer exited %d:\n%s", label, code, out)
		}
		sample(label, time.Since(start))
	}
	for i := 1; i <= cycles; i++ {
		run(fmt.Sprintf("cycle %d", i), "build", "-force", "-only=cycle.*", ".")
	}
	for i := 1; i <= rounds; i++ {
		run(fmt.Sprintf("parallel %d", i), "build", "-force", "-parallel-builds=3", "-only=parallel.*", ".")
	}
	report := soakReport(samples)
	t.Log("\n" + report)
	path := os.Getenv("SOAK_REPORT")
	if path == "" {
		path = filepath.Join(w.repo, "soak-report.txt")
	}
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		t.Error(err)
	}
	for _, problem := range soakGrowth(samples) {
		t.Error(problem)
	}
}

type soakSample struct {
	label               string
	took                time.Duration
	fds, hosts, leases  int
	volumes, runVolumes int
	workDirs            int
	rssKiB, freeMiB     int64
	// outputsMiB is what the builds' artifacts (output-*) take up: kept
	// on purpose, so not space lost.
	outputsMiB int64
}

// soakGrowth names the figures that grew without bound: after the first
// run has warmed libvirtd up, its fds and memory must level off (the last
// third no higher than the middle third's peak, with a little slack);
// DHCP hosts, run volumes and working directories must be back where
// they were after every run; free space must come back too, apart from
// the image cache.
func soakGrowth(s []soakSample) []string {
	var problems []string
	if len(s) < 4 {
		return nil
	}
	warm := s[1:]
	third := len(warm) / 3
	if third == 0 {
		third = 1
	}
	middle, last := warm[third:len(warm)-third], warm[len(warm)-third:]
	if len(middle) == 0 {
		middle = warm[:1]
	}
	peak := func(ss []soakSample, f func(soakSample) int64) int64 {
		var m int64
		for _, x := range ss {
			m = max(m, f(x))
		}
		return m
	}
	for _, fig := range []struct {
		name  string
		f     func(soakSample) int64
		slack int64
	}{
		{"libvirtd's open fds", func(x soakSample) int64 { return int64(x.fds) }, 4},
		{"libvirtd's RSS (KiB)", func(x soakSample) int64 { return x.rssKiB }, 8 << 10},
	} {
		if m, l := peak(middle, fig.f), peak(last, fig.f); l > m+fig.slack {
			problems = append(problems, fmt.Sprintf("%s still grow: peak %d in the middle third of the runs, %d in the last", fig.name, m, l))
		}
	}
	for _, x := range s[1:] {
		if x.hosts != s[0].hosts || x.runVolumes != 0 || x.workDirs != s[0].workDirs {
			problems = append(problems, fmt.Sprintf("after %s: %d DHCP hosts (before: %d), %d run volumes, %d working directories (before: %d)",
				x.label, x.hosts, s[0].hosts, x.runVolumes, x.workDirs, s[0].workDirs))
		}
	}
	// The cache holds one stand-in image; anything beyond it and some
	// slack for logs is space lost.
	// The artifacts are kept on purpose: space they take is not lost.
	free := func(x soakSample) int64 { return x.freeMiB + x.outputsMiB }
	if lost := free(s[1]) - free(s[len(s)-1]); lost > 256 {
		problems = append(problems, fmt.Sprintf("free space under /var/tmp, artifacts aside, fell by %d MiB from the first run to the last", lost))
	}
	return problems
}

// soakReport is the table of samples and a plot of each figure.
func soakReport(s []soakSample) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %8s %6s %10s %6s %7s %8s %10s %9s\n", "after", "took", "fds", "RSS KiB", "hosts", "leases", "volumes", "free MiB", "work dirs")
	for _, x := range s {
		fmt.Fprintf(&b, "%-12s %7.0fs %6d %10d %6d %7d %8d %10d %9d\n", x.label, x.took.Seconds(), x.fds, x.rssKiB, x.hosts, x.leases, x.volumes, x.freeMiB, x.workDirs)
	}
	b.WriteString("\n")
	for _, fig := range []struct {
		name string
		f    func(soakSample) int64
	}{
		{"fds", func(x soakSample) int64 { return int64(x.fds) }},
		{"RSS", func(x soakSample) int64 { return x.rssKiB }},
		{"leases", func(x soakSample) int64 { return int64(x.leases) }},
		{"volumes", func(x soakSample) int64 { return int64(x.volumes) }},
		{"free", func(x soakSample) int64 { return x.freeMiB }},
		{"free+out", func(x soakSample) int64 { return x.freeMiB + x.outputsMiB }},
	} {
		var vals []int64
		for _, x := range s {
			vals = append(vals, fig.f(x))
		}
		fmt.Fprintf(&b, "%-8s %s  %d .. %d\n", fig.name, sparkline(vals), slices.Min(vals), slices.Max(vals))
	}
	return b.String()
}

// sparkline draws values as a row of eighth-blocks, lowest to highest.
func sparkline(vals []int64) string {
	const bars = "▁▂▃▄▅▆▇█"
	lo, hi := slices.Min(vals), slices.Max(vals)
	var b strings.Builder
	for _, v := range vals {
		i := 0
		if hi > lo {
			i = int((v - lo) * 7 / (hi - lo))
		}
		b.WriteRune([]rune(bars)[i])
	}
	return b.String()
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a whole number", name, s)
	}
	return n
}

func rssKiB(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no VmRSS in libvirtd's status")
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n
}

func countLeases(t *testing.T, w *world) int {
	t.Helper()
	return len(regexp.MustCompile(`(?m)^\s+\S+\s+\S+\s+[0-9a-f:]{17}\s`).FindAllString(virsh(t, w, "net-dhcp-leases", w.network), -1))
}

// usedMiB is the disk space the files under dir take up.
func usedMiB(t *testing.T, dir string) int64 {
	t.Helper()
	var blocks int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				blocks += st.Blocks
			}
		}
		return nil
	})
	return blocks * 512 >> 20
}

func freeMiB(t *testing.T, path string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize >> 20
}
