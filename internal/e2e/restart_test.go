//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLibvirtdRestartMidBuild restarts libvirtd while the build is
// provisioning: the builder reconnects when it next needs libvirt, shuts
// the guest down, exports, and leaves nothing behind.
func TestLibvirtdRestartMidBuild(t *testing.T) {
	w := requireWorld(t)
	if os.Getenv("WORLD_MODE") != "netns" {
		t.Skip("restarting libvirtd needs the world's own libvirtd (netns mode); this world shares the host's")
	}
	dir, tmp := workDir(t)
	writeFile(t, filepath.Join(dir, "build.pkr.hcl"), standinSource(w, "restart", noGeneralize)+`
build {
  sources = ["source.centos-libvirt.restart"]
  provisioner "shell" { inline = ["echo provisioning-started", "sleep 12", "echo survived | sudo tee /etc/survived"] }
}
`)
	before := takeSnapshot(t, w, tmp)
	p := startPacker(t, w, dir, tmp, nil, "build", ".")
	p.waitFor(t, regexp.MustCompile(`provisioning-started`), 5*time.Minute)
	restartLibvirtd(t, w)
	out, code := p.wait(t, 10*time.Minute)
	t.Logf("packer build with libvirtd restarted:\n%s", out)
	if code != 0 {
		t.Fatalf("the build did not survive a libvirtd restart (exit %d)", code)
	}
	disk := openGuestDisk(t, filepath.Join(dir, "output-restart", "restart.qcow2"))
	if got, err := disk.file("/etc/survived"); err != nil || got != "survived\n" {
		t.Errorf("/etc/survived = %q (%v)", got, err)
	}
	assertNothingLeft(t, before, takeSnapshot(t, w, tmp))
}

// restartLibvirtd stops the world's libvirtd and starts a new one in the
// same namespace (the test runs inside it), as a package upgrade would.
func restartLibvirtd(t *testing.T, w *world) {
	t.Helper()
	pid := libvirtdPID(t)
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stop libvirtd: %v", err)
	}
	for i := 0; i < 300 && syscall.Kill(pid, 0) == nil && !zombie(pid); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := exec.Command("/usr/sbin/libvirtd", "-d").CombinedOutput(); err != nil {
		t.Fatalf("start libvirtd: %v\n%s", err, out)
	}
	for i := 0; i < 300; i++ {
		if exec.Command("virsh", "-c", w.uri, "uri").Run() == nil {
			t.Logf("libvirtd restarted (pid %d before)", pid)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("libvirtd did not come back")
}

func zombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err != nil || strings.Contains(string(stat), ") Z ")
}
