package sshexec

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
)

// testServer is an in-process SSH server that runs each exec request with
// the real sh, so commands behave as on a guest. Closing a session kills
// its command, as OpenSSH does.
type testServer struct {
	addr    string
	hostKey ssh.PublicKey
	// path, when set, is put first on PATH for commands, to stand in
	// programs such as sudo.
	path string

	mu       sync.Mutex
	commands []string
	killed   int
}

func startServer(t *testing.T) *testServer {
	return startServerWithPath(t, "")
}

func startServerWithPath(t *testing.T, path string) *testServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	config := &ssh.ServerConfig{
		PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil },
	}
	config.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{addr: ln.Addr().String(), hostKey: signer.PublicKey(), path: path}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serveConn(conn, config, &wg)
			}()
		}
	}()
	return s
}

func (s *testServer) serveConn(conn net.Conn, config *ssh.ServerConfig, wg *sync.WaitGroup) {
	defer conn.Close()
	sc, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveSession(ch, chReqs)
		}()
	}
}

func (s *testServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for req := range reqs {
		if req.Type != "exec" {
			req.Reply(req.Type == "signal", nil)
			continue
		}
		var payload struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
			req.Reply(false, nil)
			return
		}
		req.Reply(true, nil)
		s.mu.Lock()
		s.commands = append(s.commands, payload.Command)
		s.mu.Unlock()

		// The client closing the channel drains reqs; that is our cue
		// to kill the command.
		go func() {
			for range reqs {
			}
			cancel()
		}()
		cmd := exec.CommandContext(ctx, "sh", "-c", payload.Command)
		cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
		if s.path != "" {
			cmd.Env = append(os.Environ(), "PATH="+s.path+":"+os.Getenv("PATH"))
		}
		// Kill the whole process group: the wrapped command runs under
		// more than one shell.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		err := cmd.Run()
		if ctx.Err() != nil {
			s.mu.Lock()
			s.killed++
			s.mu.Unlock()
			return
		}
		status := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			status = exitErr.ExitCode()
		}
		msg := make([]byte, 4)
		binary.BigEndian.PutUint32(msg, uint32(status))
		ch.SendRequest("exit-status", false, msg)
		return
	}
}

func (s *testServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

func (s *testServer) killedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killed
}

func (s *testServer) clientConfig(user string) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.Password("x")},
		HostKeyCallback: ssh.FixedHostKey(s.hostKey),
	}
}
