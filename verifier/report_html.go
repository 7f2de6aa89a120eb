package verifier

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
)

// HTMLPage is what the HTML report shows beside the results.
type HTMLPage struct {
	// Image is the image that was verified, Source the one its build
	// started from, if known.
	Image, Source string
	// Failure says why verification stopped before or during the checks
	// (the guest did not come up), with the console tail the error
	// carries; empty when the checks ran.
	Failure string
	// Build is the build's phases, when known; Verify is verification's.
	// The timeline draws the build's, then verify's with each check as a
	// bar in its own lane while others ran beside it.
	Build, Verify *timeline.Record
}

//go:embed report_html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"seconds": func(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) },
	"upper":   func(s Status) string { return strings.ToUpper(string(s)) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}).Parse(htmlTemplate))

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG, no script and nothing fetched, so it reads the same opened from
// a CI artifact store or a mail attachment.
func (r *Report) WriteHTML(w io.Writer, page HTMLPage) error {
	c := r.Counts()
	data := struct {
		Name, Image, Source, Summary, Failure string
		OK                                    bool
		Counts                                Counts
		Results                               []Result
		Chart, Checks                         *chart
	}{
		Name: r.name(), Image: page.Image, Source: page.Source, Summary: r.Summary(), Failure: page.Failure,
		OK: r.OK() && page.Failure == "", Counts: c, Results: r.Results,
		Chart:  newChart(page.Build, page.Verify, r.Results),
		Checks: newChecksChart(page.Verify, r.Results),
	}
	var buf bytes.Buffer
	if err := htmlPage.Execute(&buf, data); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

// Chart geometry, in SVG user units.
const (
	chartLabelWidth = 180.0
	chartBarsWidth  = 760.0
	chartRowHeight  = 22.0
	chartTopMargin  = 24.0
)

// chart is the timeline, laid out: one row per phase, one row per lane of
// checks that ran at the same time.
type chart struct {
	Width, Height float64
	Rows          []chartRow
	Ticks         []chartTick
	Sections      []chartSection
	Total         string
}

type chartRow struct {
	Y, TextY float64
	Label    string
	Bars     []chartBar
}

type chartBar struct {
	X, Y, W, TextX float64
	// Class colours it: phase-build, phase-verify or the check's status.
	Class, Label, Title string
	// ShowLabel is false when the label would not fit in the bar.
	ShowLabel bool
}

type chartTick struct {
	X     float64
	Label string
}

type chartSection struct {
	X, W  float64
	Label string
}

// span is a bar before layout: its offset on the chart's time axis.
type span struct {
	start, d     time.Duration
	label, class string
	title        string
}

// row is a chart row before layout.
type row struct {
	label string
	spans []span
}

// axisSection is a run's stretch of the axis before layout.
type axisSection struct {
	label    string
	from, to time.Duration
}

// newChart lays out the build's phases from 0, then verify's phases and
// checks after the build's end: the build may have run long before, and
// the gap says nothing.
func newChart(build, verify *timeline.Record, results []Result) *chart {
	if build == nil && verify == nil {
		return nil
	}
	var rows []row
	var sections []axisSection
	var offset, end time.Duration
	add := func(rec *timeline.Record, class string) {
		from := offset
		for _, p := range rec.Phases {
			s := span{start: offset + p.Start.Sub(rec.Started), d: p.Duration, label: p.Name, class: class,
				title: fmt.Sprintf("%s %s: %.1fs, from %.1fs", rec.Component, p.Name, p.Duration.Seconds(), p.Start.Sub(rec.Started).Seconds())}
			rows = append(rows, row{label: rec.Component + ": " + p.Name, spans: []span{s}})
			end = max(end, s.start+s.d)
		}
		end = max(end, offset+rec.Total)
		sections = append(sections, axisSection{label: fmt.Sprintf("%s %.1fs", rec.Component, rec.Total.Seconds()), from: from, to: end})
		offset = end
	}
	if build != nil {
		add(build, "phase-build")
	}
	if verify != nil {
		verifyFrom := offset
		add(verify, "phase-verify")
		laneRows, laneEnd := checkRows(checkLanes(verify.Started, results), verify.Started, verifyFrom)
		rows = append(rows, laneRows...)
		end = max(end, laneEnd)
	}
	return layout(rows, end, sections)
}

// newChecksChart is the checks alone, on their own axis from the first
// check's start: beside a minute-long boot they are slivers.
func newChecksChart(verify *timeline.Record, results []Result) *chart {
	if verify == nil {
		return nil
	}
	lanes := checkLanes(verify.Started, results)
	if len(lanes) == 0 {
		return nil
	}
	// The lanes are filled earliest first: the first lane's first check
	// started first.
	rows, end := checkRows(lanes, lanes[0][0].Started, 0)
	return layout(rows, end, nil)
}

// checkRows is one row per lane of checks, each check placed at offset
// plus its start after since.
func checkRows(lanes [][]Result, since time.Time, offset time.Duration) ([]row, time.Duration) {
	var rows []row
	var end time.Duration
	for i, lane := range lanes {
		var spans []span
		for _, res := range lane {
			at := offset + res.Started.Sub(since)
			spans = append(spans, span{start: at, d: res.Duration, label: res.Name, class: "status-" + string(res.Status),
				title: fmt.Sprintf("%s %s %s: %s, %d attempt(s), from %.1fs", strings.ToUpper(string(res.Status)), res.Type, res.Name,
					formatSeconds(res.Duration), res.Attempts, res.Started.Sub(since).Seconds())})
			end = max(end, at+res.Duration)
		}
		rows = append(rows, row{label: fmt.Sprintf("checks, lane %d", i+1), spans: spans})
	}
	return rows, end
}

// layout places rows on an axis from 0 to end.
func layout(rows []row, end time.Duration, sections []axisSection) *chart {
	if end <= 0 {
		end = time.Second
	}
	scale := chartBarsWidth / end.Seconds()
	x := func(d time.Duration) float64 { return round1(chartLabelWidth + d.Seconds()*scale) }
	c := &chart{Width: chartLabelWidth + chartBarsWidth + 10, Total: fmt.Sprintf("%.1fs", end.Seconds())}
	for i, r := range rows {
		y := chartTopMargin + float64(i)*chartRowHeight
		cr := chartRow{Y: y, TextY: y + 15, Label: r.label}
		for _, s := range r.spans {
			w := math.Max(round1(s.d.Seconds()*scale), 1)
			cr.Bars = append(cr.Bars, chartBar{X: x(s.start), Y: y + 3, W: w, TextX: x(s.start) + 3, Class: s.class,
				Label: s.label, Title: s.title, ShowLabel: float64(len(s.label))*6.5+6 < w})
		}
		c.Rows = append(c.Rows, cr)
	}
	c.Height = chartTopMargin + float64(len(rows))*chartRowHeight + 24
	step := tickStep(end)
	for t := time.Duration(0); t <= end; t += step {
		c.Ticks = append(c.Ticks, chartTick{X: x(t), Label: fmt.Sprintf("%gs", t.Seconds())})
	}
	for _, s := range sections {
		c.Sections = append(c.Sections, chartSection{X: x(s.from), W: x(s.to) - x(s.from), Label: s.label})
	}
	return c
}

// checkLanes puts the checks that ran into as few lanes as hold them
// without overlap, earliest first: checks side by side ran in parallel.
func checkLanes(since time.Time, results []Result) [][]Result {
	var ran []Result
	for _, res := range results {
		if !res.Started.IsZero() && !res.Started.Before(since) {
			ran = append(ran, res)
		}
	}
	sort.SliceStable(ran, func(i, j int) bool { return ran[i].Started.Before(ran[j].Started) })
	var lanes [][]Result
	var ends []time.Time
	for _, res := range ran {
		placed := false
		for i := range lanes {
			if !res.Started.Before(ends[i]) {
				lanes[i] = append(lanes[i], res)
				ends[i] = res.Started.Add(res.Duration)
				placed = true
				break
			}
		}
		if !placed {
			lanes = append(lanes, []Result{res})
			ends = append(ends, res.Started.Add(res.Duration))
		}
	}
	return lanes
}

// tickStep is a round interval giving about ten ticks over d.
func tickStep(d time.Duration) time.Duration {
	for _, s := range []float64{0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600} {
		if d.Seconds()/s <= 12 {
			return time.Duration(s * float64(time.Second))
		}
	}
	return time.Hour
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
