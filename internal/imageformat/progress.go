package imageformat

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// How often progress lines come.
const (
	ProgressAfter = 2 * time.Second
	ProgressEvery = 10 * time.Second
)

// Progress reports how far a long task got: a line after ProgressAfter,
// then one every ProgressEvery, until Stop. A task quicker than
// ProgressAfter is never reported.
type Progress struct {
	done atomic.Uint64 // the fraction done, as float64 bits
	stop chan struct{}
	wg   sync.WaitGroup
}

// StartProgress starts reporting the progress of the task label names to
// report, as "<label>: 42% after 12s".
func StartProgress(label string, report func(string)) *Progress {
	return startProgress(label, report, ProgressAfter, ProgressEvery)
}

func startProgress(label string, report func(string), first, every time.Duration) *Progress {
	p := &Progress{stop: make(chan struct{})}
	start := time.Now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTimer(first)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				f := math.Float64frombits(p.done.Load())
				report(fmt.Sprintf("%s: %.0f%% after %s", label, 100*f, time.Since(start).Round(time.Second)))
				t.Reset(every)
			}
		}
	}()
	return p
}

// Set records the fraction done, 0 to 1.
func (p *Progress) Set(f float64) { p.done.Store(math.Float64bits(f)) }

// Stop ends the reports.
func (p *Progress) Stop() {
	close(p.stop)
	p.wg.Wait()
}
