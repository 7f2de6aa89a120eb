package verifier

import (
	"encoding/json"
	"fmt"
	"io"
)

// ReportSchemaVersion is the version of the JSON report format; it changes
// only for incompatible changes, and fields are only ever added within one.
const ReportSchemaVersion = 1

type jsonReport struct {
	SchemaVersion   int          `json:"schema_version"`
	Name            string       `json:"name"`
	OK              bool         `json:"ok"`
	Summary         jsonCounts   `json:"summary"`
	DurationSeconds float64      `json:"duration_seconds"`
	Results         []jsonResult `json:"results"`
}

type jsonCounts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Errors  int `json:"errors"`
}

type jsonResult struct {
	Type            string  `json:"type"`
	Name            string  `json:"name"`
	Description     string  `json:"description,omitempty"`
	Status          Status  `json:"status"`
	Message         string  `json:"message,omitempty"`
	DurationSeconds float64 `json:"duration_seconds"`
	Attempts        int     `json:"attempts"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	c := r.Counts()
	doc := jsonReport{
		SchemaVersion:   ReportSchemaVersion,
		Name:            r.name(),
		OK:              r.OK(),
		Summary:         jsonCounts(c),
		DurationSeconds: r.Duration.Seconds(),
		Results:         make([]jsonResult, len(r.Results)),
	}
	for i, res := range r.Results {
		doc.Results[i] = jsonResult{
			Type: res.Type, Name: res.Name, Description: res.Description,
			Status: res.Status, Message: res.Message,
			DurationSeconds: res.Duration.Seconds(), Attempts: res.Attempts,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Messages quote file content and commands; keep them legible.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
