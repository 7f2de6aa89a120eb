package verifier_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// sampleReport has one result of each status, fixed durations, and text
// that needs escaping in XML and JSON.
func sampleReport() *verifier.Report {
	return &verifier.Report{
		Name:     "centos-stream-9",
		Duration: 3210 * time.Millisecond,
		Results: []verifier.Result{
			{Type: "builtin", Name: "system_running", Description: "systemd reached the running state with no failed units",
				Status: verifier.StatusPass, Duration: 1500 * time.Millisecond, Attempts: 1},
			{Type: "builtin", Name: "boot_time", Status: verifier.StatusPass, Message: "booted to SSH in 21.4s", Attempts: 1},
			{Type: "builtin", Name: "cloud_init", Status: verifier.StatusSkip, Message: "cloud-init is not installed",
				Duration: 20 * time.Millisecond, Attempts: 1},
			{Type: "package", Name: "openssh-server", Status: verifier.StatusPass, Duration: 120 * time.Millisecond, Attempts: 1},
			{Type: "service", Name: "sshd", Status: verifier.StatusFail, Message: "timed out after 1s (3 attempts); last result: expected active, got inactive",
				Duration: time.Second, Attempts: 3},
			{Type: "file", Name: "/etc/motd", Description: `banner says "<hello> & welcome"`, Status: verifier.StatusFail,
				Message: `expected content to contain "<hello> & welcome", got no match`, Duration: 45 * time.Millisecond, Attempts: 1},
			{Type: "command", Name: "selinux", Status: verifier.StatusError, Message: "run command: connection reset by peer",
				Duration: 5 * time.Millisecond, Attempts: 1},
		},
	}
}

func TestReportGolden(t *testing.T) {
	tests := []struct {
		golden string
		write  func(*verifier.Report, *bytes.Buffer) error
	}{
		{"report.txt.golden", func(r *verifier.Report, b *bytes.Buffer) error { return r.WriteText(b) }},
		{"report.xml.golden", func(r *verifier.Report, b *bytes.Buffer) error { return r.WriteJUnit(b) }},
		{"report.json.golden", func(r *verifier.Report, b *bytes.Buffer) error { return r.WriteJSON(b) }},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(sampleReport(), &buf); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.golden, buf.Bytes())
		})
	}
}

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update if intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestJUnitParsesBackWithCounts(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	type message struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Skipped  int      `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Errors   int    `xml:"errors,attr"`
			Skipped  int    `xml:"skipped,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				Classname string   `xml:"classname,attr"`
				Name      string   `xml:"name,attr"`
				Time      string   `xml:"time,attr"`
				Failure   *message `xml:"failure"`
				Error     *message `xml:"error"`
				Skipped   *message `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 7 || doc.Failures != 2 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("testsuites counts tests=%d failures=%d errors=%d skipped=%d, want 7/2/1/1", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites, want 1", len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "centos-stream-9" || s.Tests != 7 || s.Failures != 2 || s.Errors != 1 || s.Skipped != 1 || s.Time != "3.210" {
		t.Errorf("suite %s: tests=%d failures=%d errors=%d skipped=%d time=%s", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, s.Time)
	}
	var failures, errs, skips int
	for _, c := range s.Cases {
		if c.Failure != nil {
			failures++
		}
		if c.Error != nil {
			errs++
		}
		if c.Skipped != nil {
			skips++
		}
	}
	if len(s.Cases) != 7 || failures != 2 || errs != 1 || skips != 1 {
		t.Errorf("%d cases with %d failures, %d errors, %d skipped", len(s.Cases), failures, errs, skips)
	}
	file := s.Cases[5]
	if file.Classname != "file" || file.Name != "/etc/motd" || file.Time != "0.045" ||
		file.Failure.Message != `expected content to contain "<hello> & welcome", got no match` {
		t.Errorf("file case = %+v, failure %+v", file, file.Failure)
	}
}

func TestJSONReportRoundTrips(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleReport().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SchemaVersion int  `json:"schema_version"`
		OK            bool `json:"ok"`
		Summary       struct {
			Total, Passed, Failed, Skipped, Errors int
		} `json:"summary"`
		Results []struct {
			Status   string `json:"status"`
			Attempts int    `json:"attempts"`
		} `json:"results"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 1 || doc.OK || doc.Summary.Total != 7 || doc.Summary.Passed != 3 ||
		doc.Summary.Failed != 2 || doc.Summary.Skipped != 1 || doc.Summary.Errors != 1 {
		t.Errorf("decoded %+v", doc)
	}
	if doc.Results[4].Status != "fail" || doc.Results[4].Attempts != 3 {
		t.Errorf("sshd result %+v", doc.Results[4])
	}
}

func TestReportOKAndErr(t *testing.T) {
	r := sampleReport()
	if r.OK() {
		t.Error("report with failures is OK")
	}
	err := r.Err()
	if err == nil {
		t.Fatal("Err() = nil for a failing report")
	}
	for _, want := range []string{
		"7 checks: 3 passed, 2 failed, 1 skipped, 1 errored in 3.21s",
		"FAIL service sshd: timed out after 1s",
		"ERROR command selinux: run command: connection reset by peer",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %q, want it to contain %q", err, want)
		}
	}
	r.Results = r.Results[:4]
	if !r.OK() || r.Err() != nil {
		t.Errorf("passes and skips only: OK=%v Err=%v", r.OK(), r.Err())
	}
}

func TestReportDefaultName(t *testing.T) {
	var buf bytes.Buffer
	r := &verifier.Report{}
	if err := r.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<testsuites name="verify" tests="0"`) {
		t.Errorf("empty report:\n%s", buf.String())
	}
	if !r.OK() || r.Summary() != "0 checks: 0 passed, 0 failed, 0 skipped, 0 errored in 0.00s" {
		t.Errorf("empty report OK=%v summary %q", r.OK(), r.Summary())
	}
}
