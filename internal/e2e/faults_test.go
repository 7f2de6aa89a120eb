//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestInterruptLeavesNothing sends packer one Ctrl-C (SIGINT) in each phase
// of a build and a verify: each ends non-zero, says it was cancelled, and
// leaves no domain, reservation, working file, output directory or plugin
// process behind.
func TestInterruptLeavesNothing(t *testing.T) {
	w := requireWorld(t)
	slow := slowImageServer(t, w.image)
	cases := []struct {
		phase   string
		source  string // extra source settings
		prov    string // provisioner commands
		verify  bool
		trigger *regexp.Regexp
		after   time.Duration // wait after the trigger
	}{
		{phase: "download", source: `source_image_url = "` + slow + `"`, trigger: regexp.MustCompile(`Trying http://`)},
		{phase: "boot", trigger: regexp.MustCompile(`Starting domain packer-`)},
		{phase: "ssh-wait", trigger: regexp.MustCompile(`Waiting for the guest.s SSH server`), after: 5 * time.Second},
		{phase: "provision", prov: `"echo provisioning-started", "sleep 120"`, trigger: regexp.MustCompile(`provisioning-started`)},
		{phase: "shutdown", trigger: regexp.MustCompile(`Shutting down the guest`)},
		{phase: "export", source: `disk_compression = "zlib"`, trigger: regexp.MustCompile(`Writing the qcow2 output from it`)},
		{phase: "verify", verify: true, trigger: regexp.MustCompile(`Logged in as root after`)},
	}
	for _, tc := range cases {
		t.Run(tc.phase, func(t *testing.T) {
			dir, tmp := workDir(t)
			prov := tc.prov
			if prov == "" {
				prov = `"true"`
			}
			src := standinSource(w, "fault", "  "+tc.source+noGeneralize)
			if strings.Contains(tc.source, "source_image_url") {
				src = strings.Replace(src, `source_image_url      = "`+w.image+`"`, "", 1)
			}
			template := src + `
build {
  sources = ["source.centos-libvirt.fault"]
  provisioner "shell" { inline = [` + prov + `] }
}
`
			if tc.verify {
				// A copy of the shared artifact, verified: no build of its
				// own. Without the sequence that keeps the artifact: an
				// interrupted verify fails the build, which deletes it.
				template = fileArtifact(filepath.Join(dir, "image.qcow2"), artifactCopy(t, w, dir)) + `
build {
  sources = ["source.file.image"]
` + strings.Replace(verifyBlock(w, `    ssh_timeout = "4m"`), keepArtifact, "", 1) + `
}
`
			}
			writeFile(t, filepath.Join(dir, "build.pkr.hcl"), template)
			before := takeSnapshot(t, w, tmp)
			p := startPacker(t, w, dir, tmp, nil, "build", ".")
			p.waitFor(t, tc.trigger, 5*time.Minute)
			time.Sleep(tc.after)
			p.interrupt(t)
			out, code := p.wait(t, 3*time.Minute)
			t.Logf("packer build, interrupted in %s:\n%s", tc.phase, out)
			if code == 0 {
				t.Fatal("an interrupted build exited 0")
			}
			if !strings.Contains(out, "Cleanly cancelled builds after being interrupted") {
				t.Error("packer did not report a clean cancellation")
			}
			if _, err := os.Stat(filepath.Join(dir, "output-fault")); !os.IsNotExist(err) {
				t.Error("output directory left behind")
			}
			assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
			assertNoPluginProcess(t, w)
		})
	}
}

// slowImageServer serves the stand-in image slowly, so that a download
// can be interrupted. It listens on loopback only.
func slowImageServer(t *testing.T, image string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(image)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer f.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return fmt.Sprintf("http://%s/standin.qcow2", l.Addr())
}

// assertNoPluginProcess checks that no process of the installed plugin is
// still running once packer has exited.
func assertNoPluginProcess(t *testing.T, w *world) {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.Contains(string(cmdline), w.pluginDir) {
			t.Errorf("plugin process %s still running: %s", e.Name(), strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
}

// TestGuestFaults: guests that never get an address, whose SSH server
// never answers, or that ignore the ACPI power button fail the build
// within their timeouts, saying what happened with the serial console,
// and leave nothing behind.
func TestGuestFaults(t *testing.T) {
	w := requireWorld(t)
	noDHCP := isolatedNetworkWithoutDHCP(t, w)
	cases := []struct {
		name    string
		source  string
		prov    string
		want    []string
		maxTime time.Duration
	}{
		{name: "no DHCP", source: `network = "` + noDHCP + `"` + "\n  ssh_timeout = \"25s\"",
			want:    []string{"the guest's address never appeared in the DHCP leases or ARP table of network " + noDHCP, "(ssh_timeout)", "serial console"},
			maxTime: 3 * time.Minute},
		{name: "sshd never answers", source: `ssh_timeout = "50s"` + "\n  user_data = \"#cloud-config\\nbootcmd:\\n  - [systemctl, mask, --now, ssh.service, ssh.socket]\\n\"",
			want:    []string{"the guest got its address", "but SSH as \"cloud-user\" did not succeed within 50s", "(ssh_timeout)", "serial console"},
			maxTime: 4 * time.Minute},
		{name: "guest ignores ACPI", source: `shutdown_timeout = "10s"`, prov: `"sudo systemctl mask --now systemd-logind.service"`,
			want:    []string{"shutdown (shutdown_timeout 10s): the guest did not power off within 10s; forcing it off", "serial console"},
			maxTime: 4 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, tmp := workDir(t)
			prov := tc.prov
			if prov == "" {
				prov = `"true"`
			}
			src := standinSource(w, "fault", "  "+tc.source+noGeneralize)
			if strings.Contains(tc.source, "network =") {
				src = strings.Replace(src, `network               = "`+w.network+`"`, "", 1)
			}
			if strings.Contains(tc.source, "ssh_timeout") {
				src = strings.Replace(src, `ssh_timeout           = "4m"`, "", 1)
			}
			if strings.Contains(tc.source, "shutdown_timeout") {
				src = strings.Replace(src, `shutdown_timeout      = "2m"`, "", 1)
			}
			writeFile(t, filepath.Join(dir, "build.pkr.hcl"), src+`
build {
  sources = ["source.centos-libvirt.fault"]
  provisioner "shell" { inline = [`+prov+`] }
}
`)
			before := takeSnapshot(t, w, tmp)
			start := time.Now()
			out, code := w.packerRun(t, dir, tmp, tc.maxTime, "build", ".")
			t.Logf("packer build (%s):\n%s", time.Since(start).Round(time.Second), out)
			if code == 0 {
				t.Fatal("the build succeeded")
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("output does not say %q", want)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "output-fault")); !os.IsNotExist(err) {
				t.Error("output directory left behind")
			}
			assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
		})
	}
}

// isolatedNetworkWithoutDHCP creates a transient libvirt network with no
// forwarding and no DHCP for the test.
func isolatedNetworkWithoutDHCP(t *testing.T, w *world) string {
	t.Helper()
	const name = "pcentos-nodhcp"
	xml := filepath.Join(t.TempDir(), "net.xml")
	writeFile(t, xml, `<network><name>`+name+`</name><bridge name="pcnodhcp0"/><ip address="192.168.251.1" netmask="255.255.255.0"/></network>`)
	exec.Command("virsh", "-c", w.uri, "net-destroy", name).Run()
	virsh(t, w, "net-create", xml)
	t.Cleanup(func() { exec.Command("virsh", "-c", w.uri, "net-destroy", name).Run() })
	return name
}

// TestFullOutputFilesystem: an export into a filesystem that fills up
// fails with the reason and leaves no partial image.
func TestFullOutputFilesystem(t *testing.T) {
	w := requireWorld(t)
	dir, tmp := workDir(t)
	out := filepath.Join(dir, "tiny")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", out).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, b)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), standinSource(w, "full", `  output_directory = "tiny/output"`+noGeneralize)+`
build { sources = ["source.centos-libvirt.full"] }
`)
	before := takeSnapshot(t, w, tmp)
	res, code := w.packerRun(t, dir, tmp, 10*time.Minute, "build", ".")
	t.Logf("packer build:\n%s", res)
	if code == 0 {
		t.Fatal("an export into a full filesystem succeeded")
	}
	if !strings.Contains(res, "export ") || !strings.Contains(res, "No space left on device") {
		t.Error("the error does not say the export ran out of space")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("partial output left: %v", entries)
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}
