//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// runningPacker is a packer command the test watches while it runs.
type runningPacker struct {
	cmd  *exec.Cmd
	log  string // packer's debug log, which holds what the plugins print
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (p *runningPacker) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *runningPacker) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

var packerRuns atomic.Int32

// startPacker starts packer in dir. Every run writes packer's debug log —
// to the PACKER_LOG_PATH env names, or to a file in dir — because that is
// where a hung plugin's stacks end up when a run times out.
func startPacker(t *testing.T, w *world, dir, tmp string, env map[string]string, args ...string) *runningPacker {
	t.Helper()
	env = maps.Clone(env)
	if env == nil {
		env = map[string]string{}
	}
	if env["PACKER_LOG_PATH"] == "" {
		env["PACKER_LOG"] = "1"
		env["PACKER_LOG_PATH"] = filepath.Join(dir, fmt.Sprintf("packer-%d.log", packerRuns.Add(1)))
	}
	p := &runningPacker{log: env["PACKER_LOG_PATH"], done: make(chan error, 1)}
	p.cmd = exec.Command(w.packer, args...)
	p.cmd.Dir = dir
	p.cmd.Env = w.runEnv(dir, tmp, env)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	// Its own process group, as a shell gives a command: Ctrl-C reaches
	// packer's whole group (packer runs itself under a wrapper process),
	// and a timeout can kill all of it, plugins included.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A plugin that outlives packer must not keep the output open forever.
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(p.kill)
	return p
}

// kill ends packer's whole process group.
func (p *runningPacker) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// interrupt does what Ctrl-C in a terminal does: SIGINT to the process
// group.
func (p *runningPacker) interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatalf("interrupt packer: %v", err)
	}
}

// wait waits for packer to end and returns its output and exit code. If
// it does not end in time, the plugins are made to print their goroutines
// into the debug log, the group is killed, and the test fails showing
// both, so a hang says where it hung.
func (p *runningPacker) wait(t *testing.T, timeout time.Duration) (string, int) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if ee, ok := err.(*exec.ExitError); ok {
			return p.output(), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run packer: %v", err)
		}
		return p.output(), 0
	case <-time.After(timeout):
	}
	stacks := p.pluginStacks()
	p.kill()
	<-p.done
	t.Fatalf("packer %s did not end within %s and was killed. Output:\n%s\nPlugin goroutines, from %s:\n%s",
		strings.Join(p.cmd.Args[1:], " "), timeout, p.output(), p.log, stacks)
	return "", 0
}

// pluginStacks sends SIGQUIT to the plugin processes in packer's group —
// a Go program then prints all its goroutines to stderr, which packer
// logs — and returns that part of the debug log.
func (p *runningPacker) pluginStacks() string {
	quit := 0
	for _, pid := range groupMembers(p.cmd.Process.Pid) {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if strings.HasPrefix(filepath.Base(exe), "packer-plugin-") && syscall.Kill(pid, syscall.SIGQUIT) == nil {
			quit++
		}
	}
	if quit == 0 {
		return "(no plugin process was running)"
	}
	time.Sleep(3 * time.Second) // for packer to copy the dump into its log
	log, err := os.ReadFile(p.log)
	if err != nil {
		return fmt.Sprintf("(read the debug log: %v)", err)
	}
	if i := bytes.Index(log, []byte("SIGQUIT: quit")); i >= 0 {
		return string(log[i:])
	}
	return "(no stacks in the log)"
}

// groupMembers lists the processes of process group pgid.
func groupMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and parens.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 2 && fields[2] == strconv.Itoa(pgid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitFor waits until the output matches re and returns the match.
func (p *runningPacker) waitFor(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(p.output()))
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				return m
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("packer ended (%v) before printing %s:\n%s", err, re, p.output())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("packer did not print %s within %s:\n%s", re, timeout, p.output())
	return nil
}
