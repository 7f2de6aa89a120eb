package verifier

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// The JUnit document, in the shape CI systems read: one suite for the run,
// one test case per check, classname the check type.
type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name      string          `xml:"name,attr"`
	Tests     int             `xml:"tests,attr"`
	Failures  int             `xml:"failures,attr"`
	Errors    int             `xml:"errors,attr"`
	Skipped   int             `xml:"skipped,attr"`
	Time      string          `xml:"time,attr"`
	TestCases []junitTestCase `xml:"testcase"`
}

type junitTestCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func junitSeconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML.
func (r *Report) WriteJUnit(w io.Writer) error {
	c := r.Counts()
	suite := junitTestSuite{
		Name: r.name(), Tests: c.Total, Failures: c.Failed, Errors: c.Errors, Skipped: c.Skipped,
		Time: junitSeconds(r.Duration),
	}
	for _, res := range r.Results {
		tc := junitTestCase{Classname: res.Type, Name: res.Name, Time: junitSeconds(res.Duration)}
		switch res.Status {
		case StatusFail:
			tc.Failure = &junitMessage{Message: res.Message, Text: res.Message}
		case StatusError:
			tc.Error = &junitMessage{Message: res.Message, Text: res.Message}
		case StatusSkip:
			tc.Skipped = &junitMessage{Message: res.Message}
		}
		suite.TestCases = append(suite.TestCases, tc)
	}
	doc := junitTestSuites{
		Name: r.name(), Tests: c.Total, Failures: c.Failed, Errors: c.Errors, Skipped: c.Skipped,
		Time: suite.Time, Suites: []junitTestSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}
