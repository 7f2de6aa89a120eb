package guestrun

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guest"
	"github.com/packer-centos/packer-plugin-centos/internal/timeline"
)

// Timings collects how long each phase of a run took, for the report
// printed at its end.
type Timings struct {
	mu      sync.Mutex
	started time.Time
	phases  []timeline.Phase
}

// NewTimings starts the clock of a run at now.
func NewTimings(now time.Time) *Timings { return &Timings{started: now} }

// Add records a phase of length d that ends now.
func (t *Timings) Add(name string, d time.Duration) {
	t.AddAt(name, time.Now().Add(-d), d)
}

// AddAt records a phase that started at start.
func (t *Timings) AddAt(name string, start time.Time, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.phases = append(t.phases, timeline.Phase{Name: name, Start: start, Duration: d})
}

// AddBoot records the guest's boot phases (boot→lease, lease→SSH, or
// boot→SSH when the lease time is unknown), one after the other from the
// boot's start, up to connected.
func (t *Timings) AddBoot(ctx context.Context, g *guest.Guest, connected time.Time) {
	at := g.BootStarted
	for _, p := range g.BootPhases(ctx, connected) {
		t.AddAt(p.Name, at, p.D)
		at = at.Add(p.D)
	}
}

// Record is the phases so far, for the timeline file and the HTML report.
func (t *Timings) Record(component string) timeline.Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return timeline.Record{Component: component, Started: t.started, Total: time.Since(t.started),
		Phases: append([]timeline.Phase(nil), t.phases...)}
}

// String renders "download 0.1s, disk 0.2s, ... (total 31.4s)".
func (t *Timings) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, 0, len(t.phases))
	for _, p := range t.phases {
		parts = append(parts, fmt.Sprintf("%s %s", p.Name, Seconds(p.Duration)))
	}
	total := fmt.Sprintf("(total %s)", Seconds(time.Since(t.started)))
	if len(parts) == 0 {
		return total
	}
	return strings.Join(parts, ", ") + " " + total
}

// Seconds renders d as "12.3s".
func Seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// Timed records the time its step's Run takes as the phase Name.
type Timed struct {
	Name string
	multistep.Step
}

// Run runs the step and records how long it took.
func (s Timed) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	start := time.Now()
	defer func() { Of(state).Timings.AddAt(s.Name, start, time.Since(start)) }()
	return s.Step.Run(ctx, state)
}
