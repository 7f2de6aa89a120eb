package verifier_test

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// versionPair is one comparison the golden file records.
type versionPair struct {
	pm   verifier.PackageManager
	a, b string
}

// corpusSeed seeds versionCorpus; changing it (or the generator) needs a
// new recording, which TestVersionOrderGolden asks for.
const corpusSeed = 11

// randomPairsPerManager is how many generated pairs follow the hand-picked
// ones for each package manager.
const randomPairsPerManager = 2000

// versionCorpus returns the pairs of testdata/version_order.golden:
// hand-picked edge cases, then seeded random pairs, for rpm and for dpkg.
// Most random pairs are one small edit apart (a number bumped or padded
// with zeros, a separator swapped, a "~rc1" or "^git1" added, an epoch or
// release added, dropped or changed), since versions that already differ
// in their first number say little about the rules.
func versionCorpus() []versionPair {
	var pairs []versionPair
	for i, pm := range []verifier.PackageManager{verifier.RPM, verifier.Dpkg} {
		for _, p := range handPickedPairs[pm] {
			pairs = append(pairs, versionPair{pm, p[0], p[1]})
		}
		g := &versionGen{pm: pm, r: rand.New(rand.NewPCG(corpusSeed, uint64(i)))}
		for range randomPairsPerManager {
			a, b := g.pair()
			pairs = append(pairs, versionPair{pm, a, b})
		}
	}
	return pairs
}

// handPickedPairs are the cases the rules are written about, and a few
// where rpm and dpkg disagree.
var handPickedPairs = map[verifier.PackageManager][][2]string{
	verifier.RPM: {
		{"1.0", "1.0"}, {"1.10", "1.9"}, {"1.05", "1.5"}, {"1.0", "1.0.1"},
		{"1.0.", "1.0"}, {"1.0_1", "1.0.1"}, {"1+0", "1.0"}, {"1..0", "1.0"},
		{"8.7p1", "8.7"}, {"1.0.a", "1.0.1"}, {"1.0a", "1.0A"}, {"1a", "1.a"},
		{"1.0~rc1", "1.0"}, {"1.0~rc1", "1.0~rc2"}, {"1.0~~", "1.0~"}, {"1.0~", "1.0"},
		{"1.0^git1", "1.0"}, {"1.0^git1", "1.0.1"}, {"1.0^", "1.0"}, {"1.0^", "1.0~"},
		{"1.0^git1", "1.0^git1.1"}, {"1.0^1", "1.0^a"}, {"1.0~^", "1.0~"}, {"~", "^"},
		{"1.0", "1.0a"}, {"1.0+dfsg", "1.0"}, {"2.36.1", "2.36.1+dfsg"},
		{"18446744073709551616", "18446744073709551617"}, {"007", "7"}, {"0", "00"},
		{"1:1.0", "2.0"}, {"0:1.0", "1.0"}, {"01:1.0", "1:1.0"}, {"10:1.0", "9:1.0"},
		{"1.0-1", "1.0"}, {"1.0", "1.0-1"}, {"1.0-2", "1.0-10"}, {"1.0-1.el9", "1.0-1.el9_2"},
		{"5.14.0-362.el9", "5.14.0-300"}, {"1:5.14.0-362.el9", "5.14.0-300"},
		{"1.0-", "1.0-1"}, {":1.0", "1.0"}, {":1.0", "1:1.0"}, {"1.0-.", "1.0-1"},
		{"1.0-~", "1.0-0"}, {".", "_"}, {"_1", "1"}, {"a", "1"},
		{"1.0-2-3", "1.0.2-3"}, {"1.0-2-3", "1.0-2-4"}, {"a:1.0", "1.0"}, {"1a:1.0", "1:1.0"},
	},
	verifier.Dpkg: {
		{"1.0", "1.0"}, {"1.10", "1.9"}, {"1.05", "1.5"}, {"1.0", "1.0.1"},
		{"1.0.", "1.0"}, {"1+0", "1.0"}, {"1..0", "1.0"}, {"1.0+1", "1.0.1"},
		{"8.7p1", "8.7"}, {"1.0.a", "1.0.1"}, {"1.0a", "1.0A"}, {"1a", "1.a"},
		{"1.0a", "1.0+"}, {"1.0a", "1.0."}, {"1.0+", "1.0."}, {"1.a", "1.1"},
		{"1.0~rc1", "1.0"}, {"1.0~rc1", "1.0~rc2"}, {"1.0~~", "1.0~"}, {"1.0~", "1.0"},
		{"1.0~rc1", "1.0~.1"}, {"1.0~", "1.0~a"}, {"1.0", "1.0a"}, {"2.36.1", "2.36.1+dfsg"},
		{"18446744073709551616", "18446744073709551617"}, {"007", "7"}, {"0", "00"},
		{"1:1.0", "2.0"}, {"0:1.0", "1.0"}, {"01:1.0", "1:1.0"}, {"10:1.0", "9:1.0"},
		{"1.0", "1.0-0"}, {"1.0", "1.0-00"}, {"1.0", "1.0-1"}, {"1.0-1", "1.0"},
		{"1.0-2", "1.0-10"}, {"1.0-~", "1.0"}, {"1.0-0~", "1.0"}, {"1.0-.", "1.0"},
		{"1.0-1ubuntu1", "1.0-1"}, {"1.0-1~bpo11+1", "1.0-1"}, {"1.0-2-3", "1.0-2-4"},
		{"1.0-2-3", "1.0.2-3"}, {"1:2:3", "1:2:4"}, {"1:2:3", "1:2.3"},
		{"1:8.9p1-3ubuntu0.6", "1:8.9p1-3ubuntu0.10"}, {"0", "0-0"},
	},
}

// versionGen builds random versions that are valid for pm: dpkg refuses
// "_" and "^" and an upstream version that does not start with a digit,
// which rpm accepts.
type versionGen struct {
	pm verifier.PackageManager
	r  *rand.Rand
}

// genVersion is a version as separate parts, so that edits can aim at one.
type genVersion struct {
	epoch    string
	upstream []string // alternating runs and separators
	release  []string // nil when there is none
}

func (v genVersion) String() string {
	s := strings.Join(v.upstream, "")
	if v.epoch != "" {
		s = v.epoch + ":" + s
	}
	if v.release != nil {
		s += "-" + strings.Join(v.release, "")
	}
	return s
}

var (
	genNumbers = []string{"0", "1", "1", "2", "3", "9", "10", "11", "00", "01", "007", "123", "2023", "18446744073709551616"}
	genWords   = []string{"a", "b", "z", "A", "Z", "rc", "beta", "p", "git", "el", "fc", "post", "pre", "dfsg", "ubuntu", "bpo"}
	genEpochs  = []string{"0", "1", "1", "2", "10", "01"}
)

// separators returns what may stand between two runs; "" lets a word
// follow a number directly, as in "8.7p1".
func (g *versionGen) separators(release bool) []string {
	if g.pm == verifier.Dpkg {
		if release {
			return []string{".", ".", "+", "", "~"}
		}
		return []string{".", ".", ".", "+", "", "~", "-", ":"}
	}
	return []string{".", ".", ".", "_", "+", "", "~", "^", ".."}
}

func (g *versionGen) n(k int) int { return int(g.r.Uint64() % uint64(k)) }

func (g *versionGen) pick(s []string) string { return s[g.n(len(s))] }

func (g *versionGen) run() string {
	if g.n(10) < 7 {
		return g.pick(genNumbers)
	}
	return g.pick(genWords)
}

// part builds an upstream version or a release of one to four runs,
// sometimes with a trailing separator.
func (g *versionGen) part(release bool) []string {
	p := []string{g.run()}
	if !release && (g.pm == verifier.Dpkg || g.n(10) < 8) {
		p[0] = g.pick(genNumbers)
	}
	for range g.n(4) {
		p = append(p, g.pick(g.separators(release)), g.run())
	}
	if g.n(12) == 0 {
		p = append(p, g.pick(g.separators(release)))
	}
	return p
}

func (g *versionGen) version() genVersion {
	v := genVersion{upstream: g.part(false)}
	if g.n(10) < 3 {
		v.epoch = g.pick(genEpochs)
	}
	if g.n(10) < 7 {
		v.release = g.part(true)
	}
	return g.fix(v)
}

// fix makes v valid for g.pm, which only dpkg needs: a "-" in the upstream
// version needs a release after it, a ":" needs an epoch before it, and
// neither may start or end it oddly.
func (g *versionGen) fix(v genVersion) genVersion {
	if g.pm != verifier.Dpkg {
		return v
	}
	up := strings.Join(v.upstream, "")
	if strings.Contains(up, "-") && v.release == nil {
		v.release = []string{"1"}
	}
	if strings.Contains(up, ":") && v.epoch == "" {
		v.epoch = "1"
	}
	if !startsWithDigit(up) {
		v.upstream = append([]string{"0", "."}, v.upstream...)
	}
	if last := v.upstream[len(v.upstream)-1]; last == "-" || last == ":" {
		v.upstream = append(v.upstream, "0")
	}
	return v
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// pair returns two versions: mostly one and a small edit of it, sometimes
// two unrelated ones or the same one twice.
func (g *versionGen) pair() (string, string) {
	a := g.version()
	var b genVersion
	switch k := g.n(40); {
	case k == 0:
		b = a
	case k < 7:
		b = g.version()
	default:
		b = a
		for range 1 + g.n(2) {
			b = g.change(b)
		}
	}
	if g.n(2) == 0 {
		a, b = b, a
	}
	return a.String(), b.String()
}

// change edits v until it reads differently; most single edits can miss
// (bumping a number where the edit picked a word).
func (g *versionGen) change(v genVersion) genVersion {
	for range 20 {
		if w := g.fix(g.edit(v)); w.String() != v.String() {
			return w
		}
	}
	return v
}

// edit changes one thing about v, or nothing when its choice does not fit.
func (g *versionGen) edit(v genVersion) genVersion {
	v.upstream = append([]string(nil), v.upstream...)
	if v.release != nil {
		v.release = append([]string(nil), v.release...)
	}
	target := &v.upstream
	if v.release != nil && g.n(3) == 0 {
		target = &v.release
	}
	release := target == &v.release
	p := *target
	i := g.n(len(p))
	switch g.n(10) {
	case 0: // bump or lower a number
		if n, err := strconv.Atoi(p[i]); err == nil && len(p[i]) < 10 {
			p[i] = strconv.Itoa(max(n+1-2*g.n(2), 0))
		}
	case 1: // pad a number with a zero
		if startsWithDigit(p[i]) {
			p[i] = "0" + p[i]
		}
	case 2: // another separator
		if i%2 == 1 {
			p[i] = g.pick(g.separators(release))
		}
	case 3: // a pre-release or snapshot suffix
		suffixes := []string{"~rc1", "~", "~~", "~a", ".1", "a", "+b1", ".", "0", ".0"}
		if g.pm == verifier.RPM {
			suffixes = append(suffixes, "^git1", "^", "^1", "_1", "~^")
		}
		*target = append(p, g.pick(suffixes))
	case 4: // one run fewer
		if len(p) >= 3 {
			*target = p[:len(p)-2]
		}
	case 5: // one run more
		*target = append(p, g.pick(g.separators(release)), g.run())
	case 6: // another epoch, or none
		v.epoch = []string{"", "", g.pick(genEpochs)}[g.n(3)]
	case 7: // another release, or none
		switch {
		case v.release == nil:
			v.release = g.part(true)
		case g.n(2) == 0:
			v.release = nil
		default:
			v.release = g.part(true)
		}
	case 8: // another word, or another case of it
		if !startsWithDigit(p[i]) && i%2 == 0 {
			if g.n(2) == 0 {
				p[i] = strings.ToUpper(p[i])
			} else {
				p[i] = g.pick(genWords)
			}
		}
	case 9: // a word where a number was, or the other way round
		if i%2 == 0 && (i > 0 || release || g.pm == verifier.RPM) {
			p[i] = g.run()
		}
	}
	return v
}
