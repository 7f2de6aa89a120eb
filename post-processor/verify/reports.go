package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// writeReports shows the summary in the build output and writes the
// configured report files, returning their paths. When the guest never
// got to the checks, the report says so with a failed "boot" entry, so CI
// sees the failure in the JUnit file too.
func (r *verifyRun) writeReports(failure error, elapsed time.Duration) ([]string, error) {
	if r.report == nil {
		r.report = &verifier.Report{Results: r.imageResults, Duration: elapsed}
		// Outputs that differ are failed results already; the guest was
		// not booted for them.
		var differ *verifier.OutputsDifferError
		if failure != nil && !errors.As(failure, &differ) {
			r.report.Results = append(r.report.Results, verifier.Result{
				Type: "builtin", Name: "boot", Status: verifier.StatusError,
				Message: firstLine(failure.Error()),
			})
		}
	}
	if len(r.report.Results) == 0 {
		return nil, nil
	}
	r.report.Name = "verify " + filepath.Base(r.image.Path)
	var text bytes.Buffer
	if err := r.report.WriteText(&text); err != nil {
		return nil, err
	}
	r.UI.Say("Verification report:\n" + strings.TrimRight(text.String(), "\n"))

	var files []string
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{
		{r.config.ReportJUnit, r.report.WriteJUnit},
		{r.config.ReportJSON, r.report.WriteJSON},
		{r.config.ReportHTML, func(w io.Writer) error { return r.report.WriteHTML(w, r.htmlPage(failure)) }},
	} {
		if f.path == "" {
			continue
		}
		if err := writeFile(f.path, f.write); err != nil {
			return files, err
		}
		r.UI.Say(fmt.Sprintf("Report written to %s", f.path))
		files = append(files, f.path)
	}
	return files, nil
}

// htmlPage is what the HTML report shows beside the results: the image,
// why verification stopped (the whole error, console tail included), and
// the build's and verify's timelines.
func (r *verifyRun) htmlPage(failure error) verifier.HTMLPage {
	verify := r.Timings.Record("verify")
	page := verifier.HTMLPage{Image: r.image.Path, Source: r.image.SourceImageName, Verify: &verify}
	if failure != nil {
		page.Failure = failure.Error()
	}
	if r.image.PhaseTimings != "" {
		if build, err := timeline.Read(strings.NewReader(r.image.PhaseTimings)); err == nil {
			page.Build = &build
		} else {
			r.UI.Error(fmt.Sprintf("WARNING: the build's phase timings are unreadable, the report's timeline shows verify only: %v", err))
		}
	}
	return page
}

func writeFile(path string, write func(io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write report %s: %w", path, err)
		}
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func removeFile(path string) error {
	err := os.Remove(path)
	if os.IsNotExist(err) {
		return nil
	}
	return err
}
