package guestrun

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// Timings collects how long each phase of a run took, for the report
// printed at its end.
type Timings struct {
	mu      sync.Mutex
	started time.Time
	phases  []phase
}

type phase struct {
	name string
	d    time.Duration
}

// NewTimings starts the clock of a run at now.
func NewTimings(now time.Time) *Timings { return &Timings{started: now} }

// Add records a phase.
func (t *Timings) Add(name string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.phases = append(t.phases, phase{name, d})
}

// String renders "download 0.1s, disk 0.2s, ... (total 31.4s)".
func (t *Timings) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, 0, len(t.phases))
	for _, p := range t.phases {
		parts = append(parts, fmt.Sprintf("%s %s", p.name, Seconds(p.d)))
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
	defer func() { Of(state).Timings.Add(s.Name, time.Since(start)) }()
	return s.Step.Run(ctx, state)
}
