// Package sshexec runs verifier commands in a guest over SSH.
package sshexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// SudoMode says when commands are run through `sudo -n`.
type SudoMode int

// Sudo modes. Most checks read root-only files, so SudoAuto uses sudo for
// any user but root.
const (
	SudoAuto SudoMode = iota
	SudoNever
	SudoAlways
)

// DefaultMaxOutput bounds what one command may print on each stream.
const DefaultMaxOutput = 16 << 20

// Options tune an Executor.
type Options struct {
	Sudo SudoMode
	// MaxOutput bounds stdout and stderr of one command each; more is an
	// error rather than memory exhaustion. 0 means DefaultMaxOutput.
	MaxOutput int
}

// Executor runs each command in its own session on one SSH connection.
// It implements verifier.Executor and is safe for concurrent use.
type Executor struct {
	client    *ssh.Client
	sudo      bool
	maxOutput int
}

var _ verifier.Executor = (*Executor)(nil)

// New returns an Executor using an established client, which the caller
// keeps ownership of.
func New(client *ssh.Client, opts Options) *Executor {
	sudo := opts.Sudo == SudoAlways || opts.Sudo == SudoAuto && client.User() != "root"
	maxOutput := opts.MaxOutput
	if maxOutput <= 0 {
		maxOutput = DefaultMaxOutput
	}
	return &Executor{client: client, sudo: sudo, maxOutput: maxOutput}
}

// Dial connects to addr ("host:port") and returns an Executor that owns
// the connection; Close it when done. ctx bounds the connection and the
// SSH handshake.
func Dial(ctx context.Context, addr string, config *ssh.ClientConfig, opts Options) (*Executor, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial ssh %s: %w", addr, err)
	}
	// The handshake has no context of its own: close the connection if
	// ctx ends first, which makes the handshake fail.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, config)
	if !stop() {
		if err == nil {
			c.Close()
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", addr, ctx.Err())
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ssh handshake with %s: %w", addr, err)
	}
	return New(ssh.NewClient(c, chans, reqs), opts), nil
}

// Close closes the SSH connection.
func (e *Executor) Close() error {
	return e.client.Close()
}

// pathPrefix puts the sbin directories on PATH: tools such as getenforce,
// sysctl, ss and firewall-cmd live there and some distributions leave them
// off an ordinary user's PATH.
const pathPrefix = `PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH; `

// WrapCommand returns the command line sent to the SSH server: command run
// by sh in the C locale (checks parse tool output), with sbin on PATH, and
// through `sudo -n` (never prompting) when sudo is set. The login shell
// only ever sees `env ... sh -c '...'`, which works whatever shell it is.
func WrapCommand(command string, sudo bool) string {
	wrapped := "env LC_ALL=C sh -c " + shellquote.Quote(pathPrefix+command)
	if sudo {
		return "sudo -n " + wrapped
	}
	return wrapped
}

// Run runs command in a new session. A command that exits non-zero is not
// an error; failing to run it, sudo refusing, or ctx ending is. When ctx
// ends the session is closed, which ends the command on servers that
// honour it.
func (e *Executor) Run(ctx context.Context, command string) (verifier.ExecResult, error) {
	session, err := e.client.NewSession()
	if err != nil {
		return verifier.ExecResult{}, fmt.Errorf("open ssh session: %w", err)
	}
	defer session.Close()
	stdout := &cappedBuffer{max: e.maxOutput}
	stderr := &cappedBuffer{max: e.maxOutput}
	session.Stdout, session.Stderr = stdout, stderr

	if err := session.Start(WrapCommand(command, e.sudo)); err != nil {
		return verifier.ExecResult{}, fmt.Errorf("start command: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- session.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Ask politely, then tear the session down; do not wait for the
		// server to confirm, as a dead connection never would.
		_ = session.Signal(ssh.SIGKILL)
		session.Close()
		return verifier.ExecResult{}, fmt.Errorf("run command: %w", ctx.Err())
	}

	res := verifier.ExecResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && exitErr.Signal() != "":
		return res, fmt.Errorf("command killed by signal %s", exitErr.Signal())
	case errors.As(err, &exitErr):
		res.ExitStatus = exitErr.ExitStatus()
	default:
		return res, fmt.Errorf("run command: %w", err)
	}
	if stdout.overflow || stderr.overflow {
		return res, fmt.Errorf("run command: output exceeds %d bytes", e.maxOutput)
	}
	if e.sudo && sudoRefused(res) {
		return res, fmt.Errorf("sudo -n refused; the SSH user needs passwordless sudo: %s", strings.TrimSpace(res.Stderr))
	}
	return res, nil
}

// sudoRefused spots sudo itself failing (as opposed to the command), so
// that a missing sudoers entry reads as one clear error, not as every
// check failing.
func sudoRefused(res verifier.ExecResult) bool {
	if res.ExitStatus != 1 || !strings.HasPrefix(res.Stderr, "sudo: ") {
		return false
	}
	for _, s := range []string{"password is required", "terminal is required", "not in the sudoers file", "not allowed to execute"} {
		if strings.Contains(res.Stderr, s) {
			return true
		}
	}
	return false
}

// cappedBuffer keeps up to max bytes and notes whether more came.
type cappedBuffer struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	max      int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); len(p) > room {
		b.overflow = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
