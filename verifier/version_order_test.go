package verifier_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// The golden file holds the real package managers' answers for every pair
// of versionCorpus. TestVersionOrderGolden holds CompareVersions to it with
// no tool installed; VERIFIER_RECORD_VERSIONS=1 asks the tools again and
// rewrites it, and TestVersionOrderLive asks them whenever they are there.
const (
	versionGolden    = "testdata/version_order.golden"
	recordVersionEnv = "VERIFIER_RECORD_VERSIONS"
)

// rpmOracleScript asks librpm, through python3-rpm, the question a version
// constraint asks: does a package providing "p = a" satisfy "p < b", "p = b"
// or "p > b"? That is rpmdsCompare, the dependency matching, and not
// rpm.vercmp or labelCompare (rpmverCmp, the package sort), which rank a
// missing release below every release instead of skipping it. When "= a"
// has no release it stands for every release and may match more than one
// of the three; then the question is asked the other way round.
const rpmOracleScript = `import sys, rpm
E, L, G = rpm.RPMSENSE_EQUAL, rpm.RPMSENSE_LESS, rpm.RPMSENSE_GREATER
def ds(evr, flags):
    return rpm.ds(("p", flags, evr), rpm.RPMTAG_PROVIDENAME)
def matches(a, b):
    return [s for s, f in ((-1, L), (0, E), (1, G)) if ds(a, E).Compare(ds(b, f))]
for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    fwd, rev = matches(a, b), matches(b, a)
    if len(fwd) == 1 and (len(rev) != 1 or rev[0] == -fwd[0]):
        print(fwd[0])
    elif len(rev) == 1 and len(fwd) != 1:
        print(-rev[0])
    else:
        print("no single answer", fwd, rev)
`

func TestVersionOrderGolden(t *testing.T) {
	if os.Getenv(recordVersionEnv) != "" {
		recordVersionGolden(t)
	}
	golden, err := readVersionGolden()
	if err != nil {
		t.Fatalf("%v (record it with %s=1)", err, recordVersionEnv)
	}
	if !samePairs(golden, versionCorpus()) {
		t.Errorf("%s holds other pairs than versionCorpus; record it again with %s=1", versionGolden, recordVersionEnv)
	}
	reportVersionMismatches(t, golden, func(p versionPair) int {
		return verifier.CompareVersions(p.pm, p.a, p.b)
	})
}

// TestVersionOrderLive compares CompareVersions with the tools installed
// here: every rpm pair (one python3 process answers them all) and every
// eighth dpkg pair (each is a dpkg process or two, too slow for all).
func TestVersionOrderLive(t *testing.T) {
	golden, err := readVersionGolden()
	if err != nil {
		t.Fatal(err)
	}
	byPM := map[verifier.PackageManager][]goldenPair{}
	for i, g := range golden {
		if g.pm == verifier.RPM || i%8 == 0 {
			byPM[g.pm] = append(byPM[g.pm], g)
		}
	}
	t.Run("rpm", func(t *testing.T) {
		t.Parallel()
		python, _ := pythonWithRPM()
		if python == "" {
			t.Skip("no python3 with the rpm module (python3-rpm) here")
		}
		compareLive(t, byPM[verifier.RPM], func(pairs []versionPair) ([]int, error) {
			return rpmOracle(python, pairs)
		})
	})
	t.Run("dpkg", func(t *testing.T) {
		t.Parallel()
		if _, err := exec.LookPath("dpkg"); err != nil {
			t.Skip("no dpkg here")
		}
		compareLive(t, byPM[verifier.Dpkg], dpkgOracle)
	})
}

func compareLive(t *testing.T, golden []goldenPair, oracle func([]versionPair) ([]int, error)) {
	pairs := make([]versionPair, len(golden))
	for i, g := range golden {
		pairs[i] = g.versionPair
	}
	signs, err := oracle(pairs)
	if err != nil {
		t.Fatal(err)
	}
	live := make([]goldenPair, len(golden))
	for i, g := range golden {
		live[i] = goldenPair{g.versionPair, signs[i], g.line}
		if signs[i] != g.sign {
			t.Errorf("line %d: the tool here orders %s %q, %q as %d, the golden file as %d: record it again with %s=1",
				g.line, g.pm, g.a, g.b, signs[i], g.sign, recordVersionEnv)
		}
	}
	reportVersionMismatches(t, live, func(p versionPair) int {
		return verifier.CompareVersions(p.pm, p.a, p.b)
	})
}

// reportVersionMismatches reports every pair that compare orders otherwise
// than the golden sign, and a count per package manager.
func reportVersionMismatches(t *testing.T, golden []goldenPair, compare func(versionPair) int) {
	t.Helper()
	wrong := map[verifier.PackageManager]int{}
	total := map[verifier.PackageManager]int{}
	for _, g := range golden {
		total[g.pm]++
		if got := compare(g.versionPair); got != g.sign {
			wrong[g.pm]++
			t.Errorf("line %d: %s orders %q, %q as %d; CompareVersions says %d", g.line, g.pm, g.a, g.b, g.sign, got)
		}
	}
	for _, pm := range []verifier.PackageManager{verifier.RPM, verifier.Dpkg} {
		if wrong[pm] > 0 {
			t.Errorf("%s: %d of %d pairs ordered wrong", pm, wrong[pm], total[pm])
		}
	}
}

type goldenPair struct {
	versionPair
	sign int
	line int
}

func readVersionGolden() ([]goldenPair, error) {
	f, err := os.Open(versionGolden)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pairs []goldenPair
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 tab-separated fields, got %d", versionGolden, n, len(fields))
		}
		sign, err := strconv.Atoi(fields[3])
		if err != nil || sign < -1 || sign > 1 {
			return nil, fmt.Errorf("%s:%d: sign %q is not -1, 0 or 1", versionGolden, n, fields[3])
		}
		pm := verifier.PackageManager(fields[0])
		pairs = append(pairs, goldenPair{versionPair{pm, fields[1], fields[2]}, sign, n})
	}
	return pairs, sc.Err()
}

func samePairs(golden []goldenPair, corpus []versionPair) bool {
	if len(golden) != len(corpus) {
		return false
	}
	for i := range golden {
		if golden[i].versionPair != corpus[i] {
			return false
		}
	}
	return true
}

// recordVersionGolden asks rpm and dpkg about every pair of versionCorpus
// and writes the golden file, its header naming the tools and commands.
func recordVersionGolden(t *testing.T) {
	python, err := pythonWithRPM()
	if err != nil {
		t.Fatalf("recording needs python3-rpm: %v", err)
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatalf("recording needs dpkg: %v", err)
	}
	corpus := versionCorpus()
	byPM := map[verifier.PackageManager][]versionPair{}
	for _, p := range corpus {
		byPM[p.pm] = append(byPM[p.pm], p)
	}
	rpmSigns, err := rpmOracle(python, byPM[verifier.RPM])
	if err != nil {
		t.Fatal(err)
	}
	dpkgSigns, err := dpkgOracle(byPM[verifier.Dpkg])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(versionGoldenHeader(t, python, len(rpmSigns), len(dpkgSigns)))
	write := func(pairs []versionPair, signs []int) {
		for i, p := range pairs {
			fmt.Fprintf(&buf, "%s\t%s\t%s\t%d\n", p.pm, p.a, p.b, signs[i])
		}
	}
	write(byPM[verifier.RPM], rpmSigns)
	write(byPM[verifier.Dpkg], dpkgSigns)
	if err := os.WriteFile(versionGolden, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d rpm and %d dpkg pairs in %s", len(rpmSigns), len(dpkgSigns), versionGolden)
}

func versionGoldenHeader(t *testing.T, python string, nRPM, nDpkg int) string {
	toolOutput := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return line
	}
	var h strings.Builder
	fmt.Fprintf(&h, "# How rpm and dpkg order pairs of versions, as the tools themselves answered.\n")
	fmt.Fprintf(&h, "# Recorded with: %s=1 go test -run TestVersionOrderGolden ./verifier/\n", recordVersionEnv)
	fmt.Fprintf(&h, "# Pairs: versionCorpus (version_corpus_test.go, seed %d): %d rpm, %d dpkg.\n", corpusSeed, nRPM, nDpkg)
	fmt.Fprintf(&h, "# Line: manager TAB a TAB b TAB sign (-1: a is older, 0: the same, 1: a is newer).\n")
	fmt.Fprintf(&h, "#\n# rpm: %s; python3-rpm's librpm %s.\n", toolOutput("rpm", "--version"),
		toolOutput(python, "-c", "import rpm; print(rpm.__version__)"))
	fmt.Fprintf(&h, "# Each pair is a line \"a TAB b\" on the standard input of\n#   %s -c \"$script\"\n# with this script:\n", python)
	for _, line := range strings.Split(strings.TrimSuffix(rpmOracleScript, "\n"), "\n") {
		fmt.Fprintf(&h, "#   %s\n", line)
	}
	fmt.Fprintf(&h, "#\n# dpkg: %s\n", toolOutput("dpkg", "--version"))
	fmt.Fprintf(&h, "# Each pair: dpkg --compare-versions a lt b (true: -1); else dpkg --compare-versions a gt b\n")
	fmt.Fprintf(&h, "# (true: 1, false: 0); any exit status above 1 or output on stderr fails the recording.\n#\n")
	return h.String()
}

// pythonWithRPM finds a python3 that can import rpm: the one on PATH, or
// the distribution's, where python3-rpm installs the module.
func pythonWithRPM() (string, error) {
	var errs []error
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(p)
		if err == nil {
			err = exec.Command(path, "-c", "import rpm").Run()
		}
		if err == nil {
			return path, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", p, err))
	}
	return "", errors.Join(errs...)
}

func rpmOracle(python string, pairs []versionPair) ([]int, error) {
	var in strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&in, "%s\t%s\n", p.a, p.b)
	}
	cmd := exec.Command(python, "-c", rpmOracleScript)
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("rpm oracle: %v: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(pairs) {
		return nil, fmt.Errorf("rpm oracle: %d answers for %d pairs", len(lines), len(pairs))
	}
	signs := make([]int, len(pairs))
	for i, line := range lines {
		if signs[i], err = strconv.Atoi(line); err != nil {
			return nil, fmt.Errorf("rpm oracle on %q, %q: %s", pairs[i].a, pairs[i].b, line)
		}
	}
	return signs, nil
}

// dpkgOracle runs dpkg --compare-versions for every pair, a few at a time.
func dpkgOracle(pairs []versionPair) ([]int, error) {
	signs := make([]int, len(pairs))
	errs := make([]error, len(pairs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				signs[i], errs[i] = dpkgCompare(pairs[i].a, pairs[i].b)
			}
		})
	}
	for i := range pairs {
		next <- i
	}
	close(next)
	wg.Wait()
	return signs, errors.Join(errs...)
}

func dpkgCompare(a, b string) (int, error) {
	holds := func(op string) (bool, error) {
		var stderr bytes.Buffer
		cmd := exec.Command("dpkg", "--compare-versions", a, op, b)
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case stderr.Len() > 0:
			return false, fmt.Errorf("dpkg --compare-versions %q %s %q: %s", a, op, b, strings.TrimSpace(stderr.String()))
		case err == nil:
			return true, nil
		case errors.As(err, &exit) && exit.ExitCode() == 1:
			return false, nil
		}
		return false, fmt.Errorf("dpkg --compare-versions %q %s %q: %v", a, op, b, err)
	}
	if lt, err := holds("lt"); lt || err != nil {
		return -1, err
	}
	gt, err := holds("gt")
	if gt {
		return 1, err
	}
	return 0, err
}
