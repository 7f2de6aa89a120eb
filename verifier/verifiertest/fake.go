// Package verifiertest provides a fake verifier.Executor for tests of code
// that runs verification without a real guest.
package verifiertest

import (
	"context"
	"fmt"
	"sync"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// Response is what the fake answers to one command.
type Response struct {
	Result verifier.ExecResult
	// Err, when set, is returned instead of Result, as a transport
	// failure would be.
	Err error
}

// Executor is a fake verifier.Executor. It answers commands from Responses
// (exact match), then from Handler; any other command is an error naming
// it, so a test notices commands it did not expect. It is safe for
// concurrent use, as the runner needs.
type Executor struct {
	// Responses maps a command line to its answer.
	Responses map[string]Response
	// Handler, when set, answers commands missing from Responses.
	Handler func(ctx context.Context, command string) (verifier.ExecResult, error)

	mu    sync.Mutex
	calls []string
}

// New returns a fake with no responses.
func New() *Executor {
	return &Executor{Responses: map[string]Response{}}
}

// On makes command answer with stdout and exit status 0; it returns the
// fake for chaining.
func (f *Executor) On(command, stdout string) *Executor {
	return f.OnResult(command, verifier.ExecResult{Stdout: stdout})
}

// OnResult makes command answer with res.
func (f *Executor) OnResult(command string, res verifier.ExecResult) *Executor {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Responses == nil {
		f.Responses = map[string]Response{}
	}
	f.Responses[command] = Response{Result: res}
	return f
}

// OnError makes command fail as if the transport had failed.
func (f *Executor) OnError(command string, err error) *Executor {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Responses == nil {
		f.Responses = map[string]Response{}
	}
	f.Responses[command] = Response{Err: err}
	return f
}

// Run answers command, honouring a context that is already done.
func (f *Executor) Run(ctx context.Context, command string) (verifier.ExecResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, command)
	resp, ok := f.Responses[command]
	handler := f.Handler
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return verifier.ExecResult{}, err
	}
	switch {
	case ok:
		return resp.Result, resp.Err
	case handler != nil:
		return handler(ctx, command)
	}
	return verifier.ExecResult{}, fmt.Errorf("verifiertest: unexpected command %q", command)
}

// Calls returns the commands run so far, in order.
func (f *Executor) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Count returns how many times command was run.
func (f *Executor) Count(command string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == command {
			n++
		}
	}
	return n
}
