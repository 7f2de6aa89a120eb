//go:build e2e

package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packer-centos/packer-plugin-centos/internal/imagecache"
	"golang.org/x/crypto/ssh"
)

// TestRemoteHypervisors builds and verifies through libvirt's network
// transports — qemu+ssh through an SSH server and qemu+tcp through a TCP
// listener, both started by the test on loopback in front of the world's
// libvirtd — proving the builder then works with storage-pool volumes and
// libvirt streams only: no path of this host in the domain, nothing left in
// the pool.
func TestRemoteHypervisors(t *testing.T) {
	w := requireWorld(t)
	pool := transientPool(t, w)
	sshURI := sshTransport(t)
	tcpURI := tcpTransport(t)
	for _, tc := range []struct {
		name, uri string
		verify    bool
	}{
		{"qemu+ssh", sshURI, true},
		{"qemu+tcp", tcpURI, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, tmp := workDir(t)
			src := strings.Replace(standinSource(w, "remote", `  storage_pool = "`+pool+`"`),
				`libvirt_uri           = "`+w.uri+`"`, `libvirt_uri           = "`+tc.uri+`"`, 1)
			pp := ""
			if tc.verify {
				pp = `
  post-processor "centos-verify" {
    libvirt_uri  = "` + tc.uri + `"
    storage_pool = "` + pool + `"
    domain_type  = "qemu"
    network      = "` + w.network + `"
    memory       = 1024
    ssh_timeout  = "4m"
    check_file {
      name     = "/etc/baked-by-packer"
      contains = ["remote"]
    }
  }
`
			}
			writeFile(t, filepath.Join(dir, "build.pkr.hcl"), src+`
build {
  sources = ["source.centos-libvirt.remote"]
  provisioner "shell" { inline = ["echo remote | sudo tee /etc/baked-by-packer"] }
`+pp+`
}
`)
			before := takeSnapshot(t, w, tmp)
			logFile := filepath.Join(dir, "packer.log")
			start := time.Now()
			out, code := w.packerRunEnv(t, dir, tmp, 15*time.Minute, map[string]string{"PACKER_LOG": "1", "PACKER_LOG_PATH": logFile}, "build", ".")
			t.Logf("packer build over %s took %s:\n%s", tc.name, time.Since(start).Round(time.Second), out)
			if code != 0 {
				t.Fatalf("packer build exited %d", code)
			}
			if strings.Contains(out, "close libvirt connection") {
				t.Error("the connection did not close cleanly at the end")
			}
			if !strings.Contains(out, "Disks go into storage pool "+pool) {
				t.Error("the build did not use the storage pool")
			}
			log, _ := os.ReadFile(logFile)
			xmls := regexp.MustCompile(`(?s)<domain type=.*?</domain>`).FindAllString(string(log), -1)
			if len(xmls) == 0 {
				t.Fatal("no domain XML in the debug log")
			}
			for _, x := range xmls {
				if strings.Contains(x, `<source file=`) || strings.Contains(x, `<serial type="file"`) || !strings.Contains(x, `<disk type="volume"`) {
					t.Errorf("a domain refers to files of this host:\n%s", x)
				}
			}
			image := filepath.Join(dir, "output-remote", "remote.qcow2")
			line, _ := os.ReadFile(filepath.Join(filepath.Dir(image), "SHA256SUMS"))
			if want := fileSHA256(t, image) + "  remote.qcow2\n"; string(line) != want {
				t.Errorf("checksum file %q, want %q", line, want)
			}
			if got, err := openGuestDisk(t, image).file("/etc/baked-by-packer"); err != nil || got != "remote\n" {
				t.Errorf("/etc/baked-by-packer = %q (%v)", got, err)
			}
			if tc.verify && !strings.Contains(out, "Verified output-remote/remote.qcow2") {
				t.Error("verify did not run remotely")
			}
			// The first build puts the source image into the pool's
			// cache; the second finds it there and sends none of it.
			imageUp := uploadedBytes(t, string(log), `centos-cache-\w+\.img`)
			if first := tc.name == "qemu+ssh"; first && imageUp != fileSize(t, w.image) || !first && (imageUp != 0 || !strings.Contains(out, "Using cached image")) {
				t.Errorf("the build uploaded %d bytes of the source image into the cache (image: %d bytes)", imageUp, fileSize(t, w.image))
			}
			assertOnlyCacheLeft(t, w, pool)
			assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
		})
	}
}

// volumes lists the names of a pool's volumes.
func volumes(t *testing.T, w *world, pool string) []string {
	t.Helper()
	var names []string
	lines := strings.Split(virsh(t, w, "vol-list", pool), "\n")
	for _, l := range lines[min(2, len(lines)):] { // after the header and its rule
		if f := strings.Fields(l); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// assertOnlyCacheLeft checks that the pool holds nothing but intact
// image cache entries: an image and its record each, no lock.
func assertOnlyCacheLeft(t *testing.T, w *world, pool string) {
	t.Helper()
	var images, records int
	for _, v := range volumes(t, w, pool) {
		switch _, part, _ := imagecache.ParseName(v); part {
		case imagecache.PartImage:
			images++
		case imagecache.PartRecord:
			records++
		default:
			t.Errorf("volume %s left in pool %s", v, pool)
		}
	}
	if images != records {
		t.Errorf("pool %s holds %d cached images and %d records", pool, images, records)
	}
}

// uploadedBytes adds up the bytes the plugin's driver logged sending to
// volumes whose names match volume.
func uploadedBytes(t *testing.T, log, volume string) int64 {
	t.Helper()
	var n int64
	want := regexp.MustCompile(`^` + volume + `$`)
	for _, m := range regexp.MustCompile(`libvirt: uploaded (\d+) bytes from \S+ to volume (\S+) of pool`).FindAllStringSubmatch(log, -1) {
		if want.MatchString(m[2]) {
			b, _ := strconv.ParseInt(m[1], 10, 64)
			n += b
		}
	}
	return n
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestRemoteImageCache drives the image cache of a remote hypervisor's
// pool through builds interrupted once their disk is made (what the
// cache is about is done by then): two builds at once upload the image
// once; a cached copy written behind the cache's back is found out and
// uploaded again, and holds the image after; nothing but the cache is
// left in the pool.
func TestRemoteImageCache(t *testing.T) {
	w := requireWorld(t)
	pool := transientPool(t, w)
	uri := tcpTransport(t)
	want := fileSize(t, w.image)
	root, tmp := workDir(t)
	start := func(name string) (*runningPacker, string) {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "build.pkr.hcl"), strings.Replace(standinSource(w, "cached", `  storage_pool = "`+pool+`"`),
			`libvirt_uri           = "`+w.uri+`"`, `libvirt_uri           = "`+uri+`"`, 1)+`
build { sources = ["source.centos-libvirt.cached"] }
`)
		logFile := filepath.Join(dir, "packer.log")
		return startPacker(t, w, dir, tmp, map[string]string{"PACKER_LOG": "1", "PACKER_LOG_PATH": logFile}, "build", "."), logFile
	}
	stopAfterDisk := func(p *runningPacker, logFile string) (string, string) {
		p.waitFor(t, regexp.MustCompile(`Build disk: `), 5*time.Minute)
		p.interrupt(t)
		out, _ := p.wait(t, 2*time.Minute)
		log, _ := os.ReadFile(logFile)
		return out, string(log)
	}
	before := takeSnapshot(t, w, tmp)

	// Two builds at once, the cache empty.
	a, aLog := start("parallel-a")
	b, bLog := start("parallel-b")
	aOut, aDebug := stopAfterDisk(a, aLog)
	bOut, bDebug := stopAfterDisk(b, bLog)
	t.Logf("two builds at once:\n%s\n%s", aOut, bOut)
	if up := uploadedBytes(t, aDebug+bDebug, `centos-cache-\w+\.img`); up != want {
		t.Errorf("two parallel builds uploaded %d bytes of the image, want %d (once)", up, want)
	}
	if !strings.Contains(aOut+bOut, "Using cached image") {
		t.Error("neither parallel build used the other's upload")
	}
	assertOnlyCacheLeft(t, w, pool)

	// Someone writes into the cached copy.
	var cached string
	for _, v := range volumes(t, w, pool) {
		if strings.HasSuffix(v, ".img") {
			cached = strings.TrimSpace(virsh(t, w, "vol-path", "--pool", pool, v))
		}
	}
	if cached == "" {
		t.Fatal("no cached image in the pool")
	}
	f, err := os.OpenFile(cached, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("corrupted"), 1<<20)
	f.Close()
	c, cLog := start("after-corruption")
	cOut, cDebug := stopAfterDisk(c, cLog)
	t.Logf("the build after the corruption:\n%s", cOut)
	if !strings.Contains(cOut, "was written after its upload: uploading it again") {
		t.Error("the corrupted copy was not found out")
	}
	if up := uploadedBytes(t, cDebug, `centos-cache-\w+\.img`); up != want {
		t.Errorf("the corrupted copy was replaced with %d bytes, want %d", up, want)
	}
	if got := fileSHA256(t, cached); got != w.imageSHA256 {
		t.Errorf("the cached copy's sha256 is %s after the replacement, the image's %s", got, w.imageSHA256)
	}
	assertOnlyCacheLeft(t, w, pool)
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

// transientPool makes a directory storage pool for the test.
func transientPool(t *testing.T, w *world) string {
	t.Helper()
	const name = "pcentos-e2e-pool"
	dir, err := os.MkdirTemp("/var/tmp", "pcentos-pool-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	exec.Command("virsh", "-c", w.uri, "pool-destroy", name).Run()
	virsh(t, w, "pool-create-as", name, "dir", "--target", dir)
	t.Cleanup(func() {
		exec.Command("virsh", "-c", w.uri, "pool-destroy", name).Run()
		os.RemoveAll(dir)
	})
	return name
}

// tcpTransport listens on loopback and hands each connection to the
// world's libvirtd socket: a qemu+tcp endpoint without TLS, for the test.
func tcpTransport(t *testing.T) string {
	return throttledTCPTransport(t, 0, 0)
}

// throttledTCPTransport is tcpTransport moving at most up bytes a second
// towards libvirtd and down bytes a second back (0: as fast as it goes),
// as a slow link to a remote hypervisor would: a transfer then lasts long
// enough to be interrupted half-way.
func throttledTCPTransport(t *testing.T, up, down int) string {
	t.Helper()
	addr := serveLoopback(t, func(c net.Conn) {
		defer c.Close()
		u, err := net.Dial("unix", "/run/libvirt/libvirt-sock")
		if err != nil {
			return
		}
		defer u.Close()
		splice(c, u, up, down)
	})
	return fmt.Sprintf("qemu+tcp://%s/system", addr)
}

// serveLoopback listens on a free loopback port for the rest of the test
// and hands each connection to serve, on its own goroutine.
func serveLoopback(t *testing.T, serve func(net.Conn)) *net.TCPAddr {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return l.Addr().(*net.TCPAddr)
}

// splice copies between the client a and the daemon b until both sides
// are done, at most up bytes a second from a to b and down back (0: no
// limit).
func splice(a, b net.Conn, up, down int) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		io.Copy(throttled(a, down), b)
		a.(interface{ CloseWrite() error }).CloseWrite()
	}()
	go func() {
		defer wg.Done()
		io.Copy(throttled(b, up), a)
		b.(interface{ CloseWrite() error }).CloseWrite()
	}()
	wg.Wait()
}

// throttled writes to w at most rate bytes a second (0: no limit).
func throttled(w io.Writer, rate int) io.Writer {
	if rate == 0 {
		return w
	}
	return &slowWriter{w: w, rate: rate, start: time.Now()}
}

type slowWriter struct {
	w     io.Writer
	rate  int
	start time.Time
	sent  int64
}

func (s *slowWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.sent += int64(n)
	// Sleep until the bytes sent so far fit the rate.
	if due := s.start.Add(time.Duration(s.sent) * time.Second / time.Duration(s.rate)); time.Until(due) > 0 {
		time.Sleep(time.Until(due))
	}
	return n, err
}

// sshTransport runs an SSH server on loopback that accepts one test key
// and runs each command with sh — what libvirt's ssh transport needs to
// reach the world's libvirtd with virt-ssh-helper — and returns the
// qemu+ssh URI that uses it.
func sshTransport(t *testing.T) string {
	t.Helper()
	clientPub, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyfile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyfile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	authorized, _ := ssh.NewPublicKey(clientPub)
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, _ := ssh.NewSignerFromKey(hostPriv)
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(authorized.Marshal()) {
				return nil, nil
			}
			return nil, fmt.Errorf("unknown key")
		},
	}
	cfg.AddHostKey(hostKey)
	port := serveLoopback(t, func(c net.Conn) { serveSSH(c, cfg) }).Port
	return fmt.Sprintf("qemu+ssh://root@127.0.0.1:%d/system?keyfile=%s&no_verify=1", port, keyfile)
}

func serveSSH(c net.Conn, cfg *ssh.ServerConfig) {
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		c.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			continue
		}
		go serveSession(ch, requests)
	}
}

func serveSession(ch ssh.Channel, requests <-chan *ssh.Request) {
	defer ch.Close()
	for req := range requests {
		if req.Type != "exec" {
			req.Reply(false, nil)
			continue
		}
		var payload struct{ Command string }
		ssh.Unmarshal(req.Payload, &payload)
		req.Reply(true, nil)
		cmd := exec.Command("sh", "-c", payload.Command)
		cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
		// Like sshd, end the session when the command exits, even though
		// the client has not closed its input: the input is copied apart
		// from Wait, which would otherwise wait for the client forever.
		stdin, err := cmd.StdinPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err == nil {
			go func() { io.Copy(stdin, ch); stdin.Close() }()
			err = cmd.Wait()
		}
		status := 0
		if err != nil {
			status = 1
			if ee, ok := err.(*exec.ExitError); ok {
				status = ee.ExitCode()
			}
		}
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(status)}))
		return
	}
}

// TestRemoteTransfersInterrupted presses Ctrl-C while an image moves
// through a slow link to a remote hypervisor — going up, as verify uploads
// the artifact into the pool, and coming down, as the build downloads its
// export — and needs packer to end within 5 s of it, having cancelled
// cleanly, with no volume left in the pool and nothing else behind.
func TestRemoteTransfersInterrupted(t *testing.T) {
	w := requireWorld(t)
	pool := transientPool(t, w)
	const rate = 20 << 20 // bytes a second: a 200 MB image takes 10 s
	for _, tc := range []struct {
		name    string
		trigger *regexp.Regexp
	}{
		{"upload", regexp.MustCompile(`Uploading \S+ \([^)]+\) to volume packer-verify-\S+-image\.qcow2`)},
		{"download", regexp.MustCompile(`Downloading volume packer-\S+-export.qcow2`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, tmp := workDir(t)
			var template string
			if tc.name == "upload" {
				uri := throttledTCPTransport(t, rate, 0)
				template = fileArtifact(filepath.Join(dir, "image.qcow2"), artifactCopy(t, w, dir)) + `
build {
  sources = ["source.file.image"]
  post-processor "centos-verify" {
    libvirt_uri  = "` + uri + `"
    storage_pool = "` + pool + `"
    domain_type  = "qemu"
    network      = "` + w.network + `"
    memory       = 1024
  }
}
`
			} else {
				uri := throttledTCPTransport(t, 0, rate)
				template = strings.Replace(standinSource(w, "remote", `  storage_pool = "`+pool+`"`),
					`libvirt_uri           = "`+w.uri+`"`, `libvirt_uri           = "`+uri+`"`, 1) + `
build { sources = ["source.centos-libvirt.remote"] }
`
			}
			writeFile(t, filepath.Join(dir, "build.pkr.hcl"), template)
			before := takeSnapshot(t, w, tmp)
			p := startPacker(t, w, dir, tmp, nil, "build", ".")
			p.waitFor(t, tc.trigger, 10*time.Minute)
			time.Sleep(time.Second) // well into the transfer
			p.interrupt(t)
			interrupted := time.Now()
			out, code := p.wait(t, 3*time.Minute)
			took := time.Since(interrupted)
			t.Logf("packer build, interrupted during the %s, ended %s later:\n%s", tc.name, took.Round(100*time.Millisecond), out)
			if code == 0 {
				t.Fatal("an interrupted build exited 0")
			}
			if took > 5*time.Second {
				t.Errorf("packer took %s to end after Ctrl-C, want at most 5s", took.Round(100*time.Millisecond))
			}
			if !strings.Contains(out, "Cleanly cancelled builds after being interrupted") {
				t.Error("packer did not report a clean cancellation")
			}
			assertOnlyCacheLeft(t, w, pool)
			if _, err := os.Stat(filepath.Join(dir, "output-remote")); !os.IsNotExist(err) {
				t.Error("output directory left behind")
			}
			assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
			assertNoPluginProcess(t, w)
		})
	}
}
