package sshexec

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/verifier"
	"golang.org/x/crypto/ssh"
)

func TestWrapCommand(t *testing.T) {
	tests := []struct {
		command string
		sudo    bool
		want    string
	}{
		{"getenforce", false, `env LC_ALL=C sh -c 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH; getenforce'`},
		{"getenforce", true, `sudo -n env LC_ALL=C sh -c 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH; getenforce'`},
		{"stat -c '%a' /etc/it's", false, `env LC_ALL=C sh -c 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH; stat -c '\''%a'\'' /etc/it'\''s'`},
	}
	for _, tt := range tests {
		if got := WrapCommand(tt.command, tt.sudo); got != tt.want {
			t.Errorf("WrapCommand(%q, %v) =\n  %s\nwant\n  %s", tt.command, tt.sudo, got, tt.want)
		}
	}
}

func dialTest(t *testing.T, s *testServer, user string, opts Options) *Executor {
	t.Helper()
	e, err := Dial(context.Background(), s.addr, s.clientConfig(user), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestRunReportsOutputAndExitStatus(t *testing.T) {
	s := startServer(t)
	e := dialTest(t, s, "root", Options{})
	tests := []struct {
		command string
		want    verifier.ExecResult
	}{
		{"echo hello", verifier.ExecResult{Stdout: "hello\n"}},
		{"echo oops >&2; exit 3", verifier.ExecResult{Stderr: "oops\n", ExitStatus: 3}},
		{"printf '%s' \"$LC_ALL\"", verifier.ExecResult{Stdout: "C"}},
		{"case :$PATH: in *:/usr/sbin:*) echo sbin;; esac", verifier.ExecResult{Stdout: "sbin\n"}},
		{"printf '%s\\n' 'it'\\''s'", verifier.ExecResult{Stdout: "it's\n"}},
	}
	for _, tt := range tests {
		got, err := e.Run(context.Background(), tt.command)
		if err != nil {
			t.Fatalf("%s: %v", tt.command, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.command, got, tt.want)
		}
	}
	if got := s.received()[0]; got != WrapCommand("echo hello", false) {
		t.Errorf("server received %q", got)
	}
}

func TestSudoAutoWrapsForNonRoot(t *testing.T) {
	s := startServer(t)
	for _, tt := range []struct {
		user string
		mode Options
		sudo bool
	}{
		{"root", Options{}, false},
		{"centos", Options{}, true},
		{"centos", Options{Sudo: SudoNever}, false},
		{"root", Options{Sudo: SudoAlways}, true},
	} {
		e := dialTest(t, s, tt.user, tt.mode)
		if e.sudo != tt.sudo {
			t.Errorf("user %s mode %d: sudo = %v, want %v", tt.user, tt.mode.Sudo, e.sudo, tt.sudo)
		}
	}
}

// fakeSudo puts a stand-in sudo on the server's PATH that runs its
// script body with the arguments sudo got.
func fakeSudo(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sudo"), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunThroughSudo(t *testing.T) {
	// This sudo checks it was called with -n and runs the rest.
	s := startServerWithPath(t, fakeSudo(t, `[ "$1" = -n ] || { echo "sudo: no -n" >&2; exit 1; }; shift; SUDO_RAN=yes exec "$@"`))
	e := dialTest(t, s, "centos", Options{})
	res, err := e.Run(context.Background(), `echo "$SUDO_RAN $LC_ALL"`)
	if err != nil || res.Stdout != "yes C\n" {
		t.Errorf("got %+v, %v; want the command run by sudo", res, err)
	}
}

func TestSudoRefusalIsAnError(t *testing.T) {
	s := startServerWithPath(t, fakeSudo(t, `echo "sudo: a password is required" >&2; exit 1`))
	e := dialTest(t, s, "centos", Options{})
	_, err := e.Run(context.Background(), "true")
	if err == nil || !strings.Contains(err.Error(), "sudo -n refused; the SSH user needs passwordless sudo: sudo: a password is required") {
		t.Errorf("got %v", err)
	}
	// Without sudo the same output is an ordinary failing command.
	e = dialTest(t, s, "centos", Options{Sudo: SudoNever})
	res, err := e.Run(context.Background(), "echo 'sudo: a password is required' >&2; exit 1")
	if err != nil || res.ExitStatus != 1 {
		t.Errorf("got %+v, %v", res, err)
	}
	if sudoRefused(verifier.ExecResult{ExitStatus: 1, Stderr: "sudo: unable to resolve host x\nreal failure"}) {
		t.Error("an unrelated sudo warning was taken for a refusal")
	}
}

func TestRunCancellationClosesTheSession(t *testing.T) {
	s := startServer(t)
	e := dialTest(t, s, "root", Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Run(ctx, "sleep 30")
	if err == nil || !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		t.Fatalf("got %v, want the deadline", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Run returned after %s", elapsed)
	}
	// The server sees the session close and kills sleep.
	deadline := time.Now().Add(5 * time.Second)
	for s.killedCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.killedCount() != 1 {
		t.Error("the remote command was not ended")
	}
	// The connection is still usable afterwards.
	if res, err := e.Run(context.Background(), "echo still here"); err != nil || res.Stdout != "still here\n" {
		t.Errorf("after cancel: %+v, %v", res, err)
	}
}

func TestRunConcurrentSessions(t *testing.T) {
	s := startServer(t)
	e := dialTest(t, s, "root", Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := e.Run(context.Background(), fmt.Sprintf("sleep 0.05; echo %d", i))
			if err == nil && res.Stdout != fmt.Sprintf("%d\n", i) {
				err = fmt.Errorf("session %d got %q", i, res.Stdout)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRunOutputCap(t *testing.T) {
	s := startServer(t)
	e := dialTest(t, s, "root", Options{MaxOutput: 10})
	res, err := e.Run(context.Background(), "echo 0123456789abcdef")
	if err == nil || !strings.Contains(err.Error(), "output exceeds 10 bytes") {
		t.Fatalf("got %v", err)
	}
	if res.Stdout != "0123456789" {
		t.Errorf("kept %q", res.Stdout)
	}
}

func TestDialErrors(t *testing.T) {
	s := startServer(t)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	config := s.clientConfig("root")
	config.HostKeyCallback = ssh.FixedHostKey(wrongKey)
	if _, err := Dial(context.Background(), s.addr, config, Options{}); err == nil || !strings.Contains(err.Error(), "ssh handshake") {
		t.Errorf("wrong host key: got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Dial(ctx, s.addr, s.clientConfig("root"), Options{}); err == nil {
		t.Error("dial with a cancelled context succeeded")
	}
}

// The whole engine over SSH: real checks against the host this test runs
// on, through the in-process server.
func TestVerifierOverSSH(t *testing.T) {
	s := startServer(t)
	e := dialTest(t, s, "root", Options{})
	spec, err := verifier.ParseSource([]byte(`
settings {
  builtin_checks = false
}
check "command" "echo" {
  run    = "echo hi"
  stdout = "hi"
}
check "file" "/" {
  type = "directory"
}
check "mount" "/proc" {
  fstype = "proc"
}
check "file" "/nonexistent/verifier" {
  exists = false
}
`), "spec.hcl")
	if err != nil {
		t.Fatal(err)
	}
	report := verifier.Verify(context.Background(), e, spec, verifier.Facts{})
	if !report.OK() {
		var b strings.Builder
		_ = report.WriteText(&b)
		t.Errorf("report:\n%s", b.String())
	}
}
