package imageformat

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// A long task is reported after the first wait and then every wait,
// with how far it got; a quick one never.
func TestProgressLines(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	report := func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
	j := &job{Progress: startProgress("Writing image.vhd (vhd)", report, 10*time.Millisecond, 10*time.Millisecond)}
	j.stage(0.5, 1)(0.5)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(lines)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	j.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "Writing image.vhd (vhd): 75% after") {
		t.Errorf("progress lines %q", lines)
	}
	lines = nil
	startProgress("quick", report, time.Hour, time.Hour).Stop()
	if len(lines) != 0 {
		t.Errorf("a quick task was reported: %q", lines)
	}
}
