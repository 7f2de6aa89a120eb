// Package guestruntest helps step tests run a component's steps against
// the fake libvirt: a network whose reserved address is this host's
// loopback, an SSH server there that answers every command, and a check
// of what a run left behind.
package guestruntest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/packer-centos/packer-plugin-centos/internal/imagecache"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver"
	"github.com/packer-centos/packer-plugin-centos/internal/libvirtdriver/fake"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// LoopbackNetwork is a network like libvirt's "default" whose DHCP range
// is 127.0.0.1 alone, so the address reserved for a guest is where an SSH
// server of the test listens.
func LoopbackNetwork(name string) libvirtdriver.Network {
	n := fake.NATNetwork(name)
	n.Gateway = netip.MustParseAddr("127.0.0.254")
	n.Subnet = netip.MustParsePrefix("127.0.0.0/24")
	n.DHCP = []libvirtdriver.Range{{Start: netip.MustParseAddr("127.0.0.1"), End: netip.MustParseAddr("127.0.0.1")}}
	return n
}

// Pool is the storage pool NewFake has.
const Pool = "images"

// NewFake is a fake libvirt with LoopbackNetwork "default" and an empty
// storage pool Pool, whose guests take their reserved address as soon as
// they start.
func NewFake() *fake.Driver {
	d := fake.New(LoopbackNetwork("default"))
	d.AddPool(Pool)
	d.OnStart = func(d *fake.Driver, name string) {
		dom, _ := d.Domain(name)
		d.LeaseReserved("default", dom.XML.Devices.Interfaces[0].MAC.Address, time.Now())
	}
	return d
}

// CancelAfterBoot calls cancel a moment after the guest starts, while
// the run waits for its SSH server, as Ctrl-C then would.
func CancelAfterBoot(d *fake.Driver, cancel func()) {
	start := d.OnStart
	d.OnStart = func(d *fake.Driver, name string) {
		if start != nil {
			start(d, name)
		}
		time.AfterFunc(300*time.Millisecond, cancel)
	}
}

// Image is a fresh, empty qcow2 disk image of 16 MiB in a temporary
// directory of the test.
func Image(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.qcow2")
	if err := qemuimg.CreateBlank(context.Background(), path, 16<<20); err != nil {
		t.Fatal(err)
	}
	return path
}

// SSHServer is an SSH server on 127.0.0.1 that takes any key or password
// and answers every command with exit status 0 and no output, as a guest
// whose commands all succeed would, or with what Answer set. It runs
// nothing.
type SSHServer struct {
	Port int

	listener net.Listener
	mu       sync.Mutex
	commands []string
	answers  []answer
}

type answer struct{ substr, stdout string }

// Answer makes commands that contain substr print stdout.
func (s *SSHServer) Answer(substr, stdout string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, answer{substr, stdout})
}

// Stop closes the server's port, as a guest that went down would.
func (s *SSHServer) Stop() { s.listener.Close() }

// StartSSHServer starts a server for the rest of the test.
func StartSSHServer(t *testing.T) *SSHServer {
	t.Helper()
	signer := NewSigner(t)
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil },
		PasswordCallback:  func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) { return nil, nil },
	}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &SSHServer{Port: l.Addr().(*net.TCPAddr).Port, listener: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c, cfg)
		}
	}()
	return s
}

// NewSigner is a fresh ed25519 key.
func NewSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// Commands lists the commands run so far.
func (s *SSHServer) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

func (s *SSHServer) serve(c net.Conn, cfg *ssh.ServerConfig) {
	conn, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		c.Close()
		return
	}
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "sessions only")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.session(ch, requests)
	}
}

func (s *SSHServer) session(ch ssh.Channel, requests <-chan *ssh.Request) {
	defer ch.Close()
	for req := range requests {
		if req.Type != "exec" {
			// pty, env and the like: accepted, as sshd does.
			req.Reply(req.Type == "pty-req" || req.Type == "env", nil)
			continue
		}
		var payload struct{ Command string }
		ssh.Unmarshal(req.Payload, &payload)
		s.mu.Lock()
		s.commands = append(s.commands, payload.Command)
		var stdout string
		for _, a := range s.answers {
			if strings.Contains(payload.Command, a.substr) {
				stdout = a.stdout
			}
		}
		s.mu.Unlock()
		req.Reply(true, nil)
		_, _ = io.WriteString(ch, stdout)
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
		return
	}
}

// AssertNothingLeft fails the test if the fake holds a domain, a DHCP
// reservation on network or a volume in one of pools, or tmp (the run's
// TMPDIR) holds a file.
func AssertNothingLeft(t *testing.T, d *fake.Driver, network string, pools []string, tmp string) {
	t.Helper()
	if names := d.Domains(); len(names) != 0 {
		t.Errorf("domains left: %v", names)
	}
	if hosts := d.Hosts(network); len(hosts) != 0 {
		t.Errorf("DHCP reservations left: %v", hosts)
	}
	// The image cache's entries are not a run's: they stay, whole (an
	// image and its record), with no lock.
	for _, p := range pools {
		var left []string
		entries := map[string]int{}
		for _, v := range d.Volumes(p) {
			if sum, part, ok := imagecache.ParseName(v); ok && part != imagecache.PartLock {
				entries[sum]++
				continue
			}
			left = append(left, v)
		}
		if len(left) != 0 {
			t.Errorf("volumes left in pool %s: %v", p, left)
		}
		for name, n := range entries {
			if n != 2 {
				t.Errorf("image cache entry %s in pool %s lacks its image or its record", name, p)
			}
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left in TMPDIR: %v", names)
	}
}

// RequireTools skips the test when one of the tools the steps run is not
// installed.
func RequireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}
