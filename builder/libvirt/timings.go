package libvirt

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// timings collects how long each phase of the build took, for the report
// printed at the end.
type timings struct {
	mu      sync.Mutex
	started time.Time
	phases  []phase
}

type phase struct {
	name string
	d    time.Duration
}

func newTimings(now time.Time) *timings { return &timings{started: now} }

func (t *timings) add(name string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.phases = append(t.phases, phase{name, d})
}

// String renders "download 0.1s, disk 0.2s, ... (total 31.4s)".
func (t *timings) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	parts := make([]string, 0, len(t.phases))
	for _, p := range t.phases {
		parts = append(parts, fmt.Sprintf("%s %s", p.name, seconds(p.d)))
	}
	return fmt.Sprintf("%s (total %s)", strings.Join(parts, ", "), seconds(time.Since(t.started)))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// timed wraps a step so the time its Run takes is recorded as a phase.
type timed struct {
	name string
	multistep.Step
}

func (s timed) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	start := time.Now()
	defer func() { runOf(state).timings.add(s.name, time.Since(start)) }()
	return s.Step.Run(ctx, state)
}
