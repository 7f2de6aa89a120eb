package verifier_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// htmlSample is sampleReport with the times a real run has: the build's
// phases, verify's, and checks started three at a time.
func htmlSample() (*verifier.Report, verifier.HTMLPage) {
	built := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return built.Add(time.Duration(s * float64(time.Second))) }
	build := &timeline.Record{Component: "build", Started: built, Total: 83 * time.Second, Phases: []timeline.Phase{
		{Name: "download", Start: at(0), Duration: 100 * time.Millisecond},
		{Name: "boot→lease", Start: at(1), Duration: 36 * time.Second},
		{Name: "lease→SSH", Start: at(37), Duration: 17 * time.Second},
		{Name: "provision", Start: at(54), Duration: 6 * time.Second},
		{Name: "generalize", Start: at(60), Duration: 9 * time.Second},
		{Name: "shutdown", Start: at(69), Duration: 6 * time.Second},
		{Name: "export", Start: at(75), Duration: 4 * time.Second},
	}}
	// Verify ran an hour later; the chart leaves the gap out.
	v := built.Add(time.Hour)
	vat := func(s float64) time.Time { return v.Add(time.Duration(s * float64(time.Second))) }
	verify := &timeline.Record{Component: "verify", Started: v, Total: 60 * time.Second, Phases: []timeline.Phase{
		{Name: "overlay", Start: vat(0.5), Duration: 500 * time.Millisecond},
		{Name: "boot→lease", Start: vat(1), Duration: 30 * time.Second},
		{Name: "lease→SSH", Start: vat(31), Duration: 15 * time.Second},
		{Name: "checks", Start: vat(46), Duration: 4 * time.Second},
		{Name: "shutdown", Start: vat(55), Duration: 5 * time.Second},
	}}
	r := sampleReport()
	starts := []float64{46, 46, 46, 47.6, 48, 48.1, 49}
	for i := range r.Results {
		r.Results[i].Started = vat(starts[i])
	}
	r.Results[1].Duration = 1200 * time.Millisecond
	return r, verifier.HTMLPage{Image: "output-stream9/stream9.qcow2", Source: "CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2", Build: build, Verify: verify}
}

func TestHTMLReportGolden(t *testing.T) {
	r, page := htmlSample()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, page); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "report.html.golden", buf.Bytes())
}

// The page stands alone and says what a person needs first.
func TestHTMLReportContent(t *testing.T) {
	r, page := htmlSample()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, page); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, banned := range []string{"<script", "<link", "src=", "href=", "@import", "url("} {
		if strings.Contains(html, banned) {
			t.Errorf("the page has %q: it must not need anything beyond itself", banned)
		}
	}
	for _, want := range []string{
		`FAILED — 7 checks: 3 passed, 2 failed, 1 skipped, 1 errored`,
		`banner says &#34;&lt;hello&gt; &amp; welcome&#34;`, // escaped, not markup
		"build: boot→lease", "verify: lease→SSH", "checks, lane 3",
		"FAIL service sshd: 1.00s, 3 attempt(s), from 48.0s",
		"build 83.0s", "verify 60.0s",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Three checks started together: three lanes, no fourth.
	if strings.Contains(html, "checks, lane 4") {
		t.Error("more lanes than checks at once")
	}
	// Verify's bars start after the build's end (83 s of 143 s), not an hour later.
	m := regexp.MustCompile(`<title>verify overlay[^<]*</title><rect class="phase-verify" x="([0-9.]+)"`).FindStringSubmatch(html)
	if m == nil || m[1] != "623.8" {
		t.Errorf("verify's overlay bar at x=%v, want 623.8 (180 + 83.5/143 × 760)", m)
	}
}

func TestHTMLReportOfAGuestThatNeverCameUp(t *testing.T) {
	v := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	r := &verifier.Report{Name: "verify broken.qcow2", Duration: 15 * time.Second, Results: []verifier.Result{
		{Type: "builtin", Name: "boot", Status: verifier.StatusError, Message: "the image did not come up"},
	}}
	page := verifier.HTMLPage{
		Failure: "the image did not come up: the guest never took a DHCP lease\nserial console (last 3 lines):\n  SeaBIOS\n  No bootable device.",
		Verify:  &timeline.Record{Component: "verify", Started: v, Total: 15 * time.Second, Phases: []timeline.Phase{{Name: "boot→SSH", Start: v.Add(time.Second), Duration: 14 * time.Second}}},
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, page); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"Why verification stopped", "No bootable device.", "FAILED — 1 checks", `<span class="badge error">ERROR</span>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(html, "checks, lane") {
		t.Error("a check lane without checks that ran")
	}
}
