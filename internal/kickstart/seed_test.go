package kickstart

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The seed template's CentOS 7 kickstart must be refused on every release
// for its plaintext passwords, and on the newer ones also for what their
// installers removed. pykickstart 3.74's ksvalidator reports the same
// removals on the same lines (CENTOS-FACTS.md section 3.2).
func TestSeedTemplateKickstart(t *testing.T) {
	ks, err := os.ReadFile("testdata/seed-centos7.ks")
	if err != nil {
		t.Fatal(err)
	}
	type hit struct {
		Line int
		Rule string
		What string // a word of the message
	}
	plaintext := []hit{
		{6, RulePlaintextPassword, "rootpw"},
		{11, RulePlaintextPassword, "user"},
	}
	tests := map[string][]hit{
		"7": plaintext,
		"stream8": append(append([]hit(nil), plaintext...),
			hit{12, RuleRemoved, "unsupported_hardware"},
			hit{25, RuleRemoved, "--nobase"}),
		"stream9": append(append([]hit(nil), plaintext...),
			hit{9, RuleRemoved, "install"},
			hit{12, RuleRemoved, "unsupported_hardware"},
			hit{25, RuleRemoved, "--nobase"}),
		"stream10": append(append([]hit(nil), plaintext...),
			hit{7, RuleRemoved, "authconfig"},
			hit{9, RuleRemoved, "install"},
			hit{12, RuleRemoved, "unsupported_hardware"},
			hit{25, RuleRemoved, "--nobase"}),
	}
	for version, want := range tests {
		t.Run(version, func(t *testing.T) {
			var got []hit
			for _, err := range Lint(mustDialect(t, version), ks) {
				var p *Problem
				if !errors.As(err, &p) {
					t.Fatalf("%v is not a *Problem", err)
				}
				// Messages quote the command they blame in backticks; the
				// plaintext ones start with it.
				what := ""
				for _, w := range []string{"authconfig", "unsupported_hardware", "--nobase", "install", "rootpw", "user"} {
					if strings.Contains(p.Message, "`"+w+"`") || strings.Contains(p.Message, "`%packages "+w+"`") || strings.HasPrefix(p.Message, w+" ") {
						what = w
						break
					}
				}
				got = append(got, hit{p.Line, p.Rule, what})
			}
			// Lint reports in line order; sort want the same way.
			sortHits := func(h []hit) {
				for i := 1; i < len(h); i++ {
					for j := i; j > 0 && h[j].Line < h[j-1].Line; j-- {
						h[j], h[j-1] = h[j-1], h[j]
					}
				}
			}
			sortHits(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("findings:\n got %v\nwant %v", got, want)
			}
		})
	}
}
