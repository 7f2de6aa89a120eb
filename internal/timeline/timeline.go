// Package timeline is where a run's time went: named phases with their
// start and length. The builder writes its phases as JSON into the
// output directory and the artifact; centos-verify reads them back and
// draws them, followed by its own, in the HTML report. It imports nothing
// of the plugin's, so every side can use it.
package timeline

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
)

// FileName is the build's timeline file in its output directory.
const FileName = "build-timings.json"

// Phase is one timed part of a run.
type Phase struct {
	Name     string
	Start    time.Time
	Duration time.Duration
}

// End is when the phase ended.
func (p Phase) End() time.Time { return p.Start.Add(p.Duration) }

// Record is one run's phases.
type Record struct {
	// Component is "build" or "verify".
	Component string
	Started   time.Time
	Phases    []Phase
	// Total is the whole run, from Started.
	Total time.Duration
}

type jsonRecord struct {
	SchemaVersion int         `json:"schema_version"`
	Component     string      `json:"component"`
	Started       time.Time   `json:"started"`
	TotalSeconds  float64     `json:"total_seconds"`
	Phases        []jsonPhase `json:"phases"`
}

type jsonPhase struct {
	Name            string  `json:"name"`
	StartSeconds    float64 `json:"start_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
}

// seconds rounds to milliseconds: enough for a chart, stable in files.
func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

func duration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// MarshalJSON writes phases as offsets from the start, in seconds.
func (r Record) MarshalJSON() ([]byte, error) {
	doc := jsonRecord{SchemaVersion: 1, Component: r.Component, Started: r.Started.UTC(), TotalSeconds: seconds(r.Total), Phases: []jsonPhase{}}
	for _, p := range r.Phases {
		doc.Phases = append(doc.Phases, jsonPhase{Name: p.Name, StartSeconds: seconds(p.Start.Sub(r.Started)), DurationSeconds: seconds(p.Duration)})
	}
	return json.Marshal(doc)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (r *Record) UnmarshalJSON(data []byte) error {
	var doc jsonRecord
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	if doc.SchemaVersion != 1 {
		return fmt.Errorf("timeline schema_version %d, want 1", doc.SchemaVersion)
	}
	*r = Record{Component: doc.Component, Started: doc.Started, Total: duration(doc.TotalSeconds)}
	for _, p := range doc.Phases {
		if p.DurationSeconds < 0 || p.StartSeconds < 0 {
			return fmt.Errorf("timeline phase %q has a negative time", p.Name)
		}
		r.Phases = append(r.Phases, Phase{Name: p.Name, Start: doc.Started.Add(duration(p.StartSeconds)), Duration: duration(p.DurationSeconds)})
	}
	return nil
}

// Read parses a record written by MarshalJSON.
func Read(rd io.Reader) (Record, error) {
	var r Record
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return Record{}, fmt.Errorf("read timeline: %w", err)
	}
	return r, nil
}
