//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rootSecret is the root password the ISO tests give; it must never show
// in the kickstart served, the build's output or the artifact.
const rootSecret = "Pl41nText-Secret-Do-Not-Leak"

// isoCase is one way of installing from the stand-in installer ISO.
type isoCase struct {
	name    string
	iso     string // env var naming the ISO
	version string // centos_version: picks the preset boot command
	extra   string // more source settings
	http    bool   // the kickstart comes over HTTP
}

// TestInstallFromISO installs the stand-in guest from the stand-in
// installer ISO three ways — the boot command typed into ISOLINUX's menu
// and into GRUB's, kickstart over HTTP; and the installer's kernel booted
// directly, kickstart on an OEMDRV CD — and proves each artifact carries
// the installer's and the provisioner's changes, that the kickstart went
// only to the guest and never held the root password, and that nothing is
// left.
func TestInstallFromISO(t *testing.T) {
	w := requireWorld(t)
	cases := []isoCase{
		{name: "isolinux-menu-http", iso: "WORLD_INSTALLER_ISO_ISOLINUX", version: "stream9", http: true},
		{name: "grub-menu-http", iso: "WORLD_INSTALLER_ISO_GRUB", version: "stream10", http: true},
		{name: "kernel-oemdrv", iso: "WORLD_INSTALLER_ISO_ISOLINUX", version: "stream9",
			extra: "boot_mode = \"kernel\"\n  kickstart_delivery = \"cdrom\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iso, sum := os.Getenv(tc.iso), os.Getenv(tc.iso+"_SHA256")
			if iso == "" {
				t.Fatalf("%s is not set: the test world builds the stand-in installer ISOs", tc.iso)
			}
			installFromISO(t, w, tc, iso, sum)
		})
	}
}

func installFromISO(t *testing.T, w *world, tc isoCase, iso, sum string) {
	dir, tmp := workDir(t)
	port := freePort(t)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), fmt.Sprintf(`
variable "root_password" {
  type      = string
  sensitive = true
}
source "centos-libvirt" "iso" {
  centos_version   = %q
  iso_url          = %q
  iso_checksum     = "sha256:%s"
  domain_type      = "qemu"
  network          = %q
  libvirt_uri      = %q
  memory           = 1024
  disk_size        = "3G"
  boot_wait        = "3s"
  # GRUB redraws the line for every key; under TCG it drops keys typed
  # faster than about 85 ms apart.
  boot_key_interval = "150ms"
  http_port_min    = %d
  http_port_max    = %d
  install_timeout  = "10m"
  ssh_timeout      = "5m"
  shutdown_timeout = "2m"
  %s
  kickstart {
    root_password = var.root_password
    post          = ["echo installed-by-kickstart > /etc/installed-by-kickstart"]
  }
}
build {
  sources = ["source.centos-libvirt.iso"]
  provisioner "shell" {
    inline = ["echo baked > /etc/baked-by-packer"]
  }
}
`, tc.version, iso, sum, w.network, w.uri, port, port, tc.extra))
	before := takeSnapshot(t, w, tmp)

	logFile := filepath.Join(dir, "packer.log")
	build := startPacker(t, w, dir, tmp, map[string]string{"PACKER_LOG": "1", "PACKER_LOG_PATH": logFile}, "build", "-var", "root_password="+rootSecret, ".")
	var served []string
	if tc.http {
		served = build.waitFor(t, regexp.MustCompile(`Serving the kickstart at (http://(([0-9.]+):\d+)/ks.cfg)`), 2*time.Minute)
		// This host reaches the server from its own address on the VM
		// network: not the guest's, so refused.
		if status, body := fetch(t, served[1]); status != http.StatusForbidden || strings.Contains(body, "rootpw") {
			t.Errorf("another address than the guest's got %d from the kickstart server:\n%s", status, body)
		}
		for _, addr := range []string{"127.0.0.1", "::1"} {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(addr, fmt.Sprint(port)), time.Second); err == nil {
				c.Close()
				t.Errorf("the kickstart server answers on %s; it must listen on the VM network only", addr)
			}
		}
	}
	out, code := build.wait(t, 20*time.Minute)
	t.Logf("packer build:\n%s", out)
	if code != 0 {
		t.Fatalf("packer build exited %d", code)
	}
	if strings.Contains(out, rootSecret) {
		t.Error("the root password appears in the build output")
	}
	if log, err := os.ReadFile(logFile); err != nil || bytes.Contains(log, []byte(rootSecret)) {
		t.Errorf("the root password appears in packer's debug log (or it is unreadable: %v)", err)
	}
	if served != nil {
		if c, err := net.DialTimeout("tcp", served[2], time.Second); err == nil {
			c.Close()
			t.Errorf("the kickstart server still listens on %s after the build", served[2])
		}
	}
	if tc.http {
		reserved := regexp.MustCompile(`Reserved ([0-9.]+) for the guest`).FindStringSubmatch(out)
		if reserved == nil || !strings.Contains(out, reserved[1]+" fetched the kickstart") {
			t.Errorf("the kickstart was not fetched by the guest's reserved address")
		}
		if reserved != nil && !strings.Contains(out, "Refused a request for /ks.cfg from "+served[3]+": the kickstart server answers only the guest at "+reserved[1]) {
			t.Errorf("the refused request from %s was not reported", served[3])
		}
		if log, _ := os.ReadFile(logFile); !strings.Contains(string(log), "kickstart server: refused GET /ks.cfg from "+served[3]+":") {
			t.Errorf("the refused request from %s is not in the debug log", served[3])
		}
	}
	if !regexp.MustCompile(`Phase timings: download [0-9.]+s, disk [0-9.]+s, install [0-9.]+s, `).MatchString(out) {
		t.Error("the timings lack the install phase")
	}

	image := filepath.Join(dir, "output-iso", "iso.qcow2")
	disk := openGuestDisk(t, image)
	for path, want := range map[string]string{"/etc/installed-by-kickstart": "installed-by-kickstart\n", "/etc/baked-by-packer": "baked\n"} {
		if got, err := disk.file(path); err != nil || got != want {
			t.Errorf("%s in the artifact = %q (%v), want %q", path, got, err, want)
		}
	}
	if shadow, err := disk.file("/etc/shadow"); err != nil || !regexp.MustCompile(`(?m)^root:\$6\$`).MatchString(shadow) {
		t.Errorf("root's password hash is not in the artifact's /etc/shadow (%v)", err)
	}
	if rawContains(t, disk.raw, rootSecret) {
		t.Error("the root password is written in the artifact")
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

// freePort finds a port nothing listens on, for a fixed kickstart server
// port the test can probe.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// fetch gets url, with the response's status.
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("fetch %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rawContains scans a disk image for s.
func rawContains(t *testing.T, path, s string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	needle := []byte(s)
	buf := make([]byte, 4<<20)
	var tail []byte
	for {
		n, err := f.Read(buf)
		chunk := append(tail, buf[:n]...)
		if bytes.Contains(chunk, needle) {
			return true
		}
		if len(chunk) >= len(needle) {
			tail = append([]byte(nil), chunk[len(chunk)-len(needle)+1:]...)
		}
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
