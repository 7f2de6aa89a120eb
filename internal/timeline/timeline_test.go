package timeline

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	in := Record{Component: "build", Started: start, Total: 83 * time.Second, Phases: []Phase{
		{"download", start, 120 * time.Millisecond},
		{"boot→lease", start.Add(2 * time.Second), 36 * time.Second},
	}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"schema_version":1,"component":"build","started":"2026-12-02T10:00:00Z","total_seconds":83,"phases":[{"name":"download","start_seconds":0,"duration_seconds":0.12},{"name":"boot→lease","start_seconds":2,"duration_seconds":36}]}`
	if string(data) != want {
		t.Errorf("JSON = %s\nwant   %s", data, want)
	}
	out, err := Read(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if out.Component != "build" || !out.Started.Equal(start) || out.Total != in.Total || len(out.Phases) != 2 ||
		out.Phases[1].Name != "boot→lease" || !out.Phases[1].Start.Equal(in.Phases[1].Start) || out.Phases[1].Duration != in.Phases[1].Duration {
		t.Errorf("read back %+v, want %+v", out, in)
	}
	for _, bad := range []string{`{"schema_version":2}`, `{"schema_version":1,"phases":[{"name":"x","start_seconds":-1}]}`, `not json`} {
		if _, err := Read(strings.NewReader(bad)); err == nil {
			t.Errorf("Read(%s) succeeded", bad)
		}
	}
}
