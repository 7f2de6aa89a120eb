package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

const getenforceCmd = "if command -v getenforce >/dev/null 2>&1; then getenforce; else echo Disabled; fi"

func TestKernelParamCheck(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name: "equal",
			src: `check "kernel_param" "net.ipv4.ip_forward" {
  value = 0
}`,
			responses: map[string]verifier.ExecResult{"sysctl -n net.ipv4.ip_forward": out("0\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "whitespace is normalised",
			src: `check "kernel_param" "net.ipv4.ip_local_port_range" {
  value = "32768 60999"
}`,
			responses: map[string]verifier.ExecResult{"sysctl -n net.ipv4.ip_local_port_range": out("32768\t60999\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "differs",
			src: `check "kernel_param" "net.ipv4.ip_forward" {
  value = "0"
}`,
			responses: map[string]verifier.ExecResult{"sysctl -n net.ipv4.ip_forward": out("1\n")},
			status:    verifier.StatusFail,
			message:   "expected net.ipv4.ip_forward = 0, got 1",
		},
		{
			name: "unknown key",
			src: `check "kernel_param" "net.nope" {
  value = "0"
}`,
			responses: map[string]verifier.ExecResult{
				"sysctl -n net.nope": exit(255, "", "sysctl: cannot stat /proc/sys/net/nope: No such file or directory\n"),
			},
			status:  verifier.StatusFail,
			message: "got error: sysctl: cannot stat",
		},
	})
}

func TestMountCheck(t *testing.T) {
	const mounts = `/dev/vda4 / xfs rw,seclabel,relatime,attr2,inode64 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev,size=524288k 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev,noexec,size=1048576k 0 0
/dev/vdb1 /mnt/my\040data ext4 ro,relatime 0 0
`
	table := map[string]verifier.ExecResult{"cat /proc/self/mounts": out(mounts)}
	runCheckCases(t, []checkCase{
		{
			name: "root filesystem",
			src: `check "mount" "/" {
  source  = "/dev/vda4"
  fstype  = "xfs"
  options = ["rw", "relatime"]
}`,
			responses: table,
			status:    verifier.StatusPass,
		},
		{
			name: "topmost mount wins",
			src: `check "mount" "/tmp/" {
  options = ["noexec", "size=1048576k"]
}`,
			responses: table,
			status:    verifier.StatusPass,
		},
		{
			name: "escaped mount point",
			src: `check "mount" "/mnt/my data" {
  options = ["ro"]
}`,
			responses: table,
			status:    verifier.StatusPass,
		},
		{
			name:      "not mounted",
			src:       `check "mount" "/var" {}`,
			responses: table,
			status:    verifier.StatusFail,
			message:   "expected a mount at /var, got none",
		},
		{
			name: "wrong fstype",
			src: `check "mount" "/" {
  fstype = "ext4"
}`,
			responses: table,
			status:    verifier.StatusFail,
			message:   "expected fstype ext4, got xfs",
		},
		{
			name: "missing option",
			src: `check "mount" "/" {
  options = ["noatime"]
}`,
			responses: table,
			status:    verifier.StatusFail,
			message:   "expected options noatime, got rw,seclabel,relatime,attr2,inode64",
		},
		{
			name: "wrong source",
			src: `check "mount" "/" {
  source = "/dev/sda1"
}`,
			responses: table,
			status:    verifier.StatusFail,
			message:   "expected source /dev/sda1, got /dev/vda4",
		},
	})
}

func TestHTTPCheck(t *testing.T) {
	// The runner gives each check 5s here, so curl gets --max-time 5.
	const curl = `command -v curl >/dev/null 2>&1 || { echo 'verifier: curl not found' >&2; exit 127; }; ` +
		`curl -sS -k --max-time 5 -w '\n%{http_code}' 'http://localhost:8080/health?full=1'`
	src := func(extra string) string {
		return "check \"http\" \"app\" {\n  url = \"http://localhost:8080/health?full=1\"\n" + extra + "}"
	}
	runCheckCases(t, []checkCase{
		{
			name:      "ok",
			src:       src("  body_contains = [\"healthy\"]\n"),
			responses: map[string]verifier.ExecResult{curl: out("{\"status\":\"healthy\"}\n200")},
			status:    verifier.StatusPass,
		},
		{
			name:      "other status expected",
			src:       src("  status = 404\n"),
			responses: map[string]verifier.ExecResult{curl: out("not found\n404")},
			status:    verifier.StatusPass,
		},
		{
			name:      "wrong status",
			src:       src(""),
			responses: map[string]verifier.ExecResult{curl: out("oops\n503")},
			status:    verifier.StatusFail,
			message:   "expected status 200, got 503",
		},
		{
			name:      "body lacks text",
			src:       src("  body_contains = [\"healthy\"]\n"),
			responses: map[string]verifier.ExecResult{curl: out("degraded\n200")},
			status:    verifier.StatusFail,
			message:   `expected body to contain "healthy", got "degraded"`,
		},
		{
			name:      "connection refused",
			src:       src(""),
			responses: map[string]verifier.ExecResult{curl: exit(7, "\n000", "curl: (7) Failed to connect to localhost port 8080: Connection refused\n")},
			status:    verifier.StatusFail,
			message:   "expected status 200, got no response: curl: (7) Failed to connect",
		},
		{
			name:      "curl missing",
			src:       src(""),
			responses: map[string]verifier.ExecResult{curl: exit(127, "", "verifier: curl not found\n")},
			status:    verifier.StatusError,
			message:   "curl is not installed in the guest",
		},
	})
}

func TestSELinuxCheck(t *testing.T) {
	runCheckCases(t, []checkCase{
		{
			name: "enforcing",
			src: `check "selinux" "mode" {
  mode = "enforcing"
}`,
			responses: map[string]verifier.ExecResult{getenforceCmd: out("Enforcing\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "permissive when enforcing is required",
			src: `check "selinux" "mode" {
  mode = "enforcing"
}`,
			responses: map[string]verifier.ExecResult{getenforceCmd: out("Permissive\n")},
			status:    verifier.StatusFail,
			message:   "expected SELinux enforcing, got permissive",
		},
		{
			name: "no getenforce means disabled",
			src: `check "selinux" "mode" {
  mode = "disabled"
}`,
			responses: map[string]verifier.ExecResult{getenforceCmd: out("Disabled\n")},
			status:    verifier.StatusPass,
		},
	})
}

func TestFirewallCheck(t *testing.T) {
	const state = "firewall-cmd --state"
	running := out("running\n")
	runCheckCases(t, []checkCase{
		{
			name: "service allowed in zone",
			src: `check "firewall" "ssh" {
  service = "ssh"
  zone    = "public"
}`,
			responses: map[string]verifier.ExecResult{
				state: running,
				"firewall-cmd --zone=public --query-service=ssh": out("yes\n"),
			},
			status: verifier.StatusPass,
		},
		{
			name: "port not allowed, as required",
			src: `check "firewall" "web" {
  port    = "80/tcp"
  allowed = false
}`,
			responses: map[string]verifier.ExecResult{
				state:                              running,
				"firewall-cmd --query-port=80/tcp": exit(1, "no\n", ""),
			},
			status: verifier.StatusPass,
		},
		{
			name: "port not allowed",
			src: `check "firewall" "web" {
  port = "80/tcp"
}`,
			responses: map[string]verifier.ExecResult{
				state:                              running,
				"firewall-cmd --query-port=80/tcp": exit(1, "no\n", ""),
			},
			status:  verifier.StatusFail,
			message: "expected port 80/tcp allowed, got not allowed",
		},
		{
			name: "service allowed but must not be",
			src: `check "firewall" "cockpit" {
  service = "cockpit"
  allowed = false
}`,
			responses: map[string]verifier.ExecResult{
				state:                                  running,
				"firewall-cmd --query-service=cockpit": out("yes\n"),
			},
			status:  verifier.StatusFail,
			message: "expected service cockpit not allowed, got allowed",
		},
		{
			name: "firewalld not running",
			src: `check "firewall" "ssh" {
  service = "ssh"
}`,
			responses: map[string]verifier.ExecResult{state: exit(252, "not running\n", "")},
			status:    verifier.StatusFail,
			message:   "expected firewalld running, got firewalld not running",
		},
		{
			name: "firewalld not installed",
			src: `check "firewall" "ssh" {
  service = "ssh"
}`,
			responses: map[string]verifier.ExecResult{state: exit(127, "", "sh: firewall-cmd: not found\n")},
			status:    verifier.StatusFail,
			message:   "got firewall-cmd not installed",
		},
		{
			name: "unknown zone",
			src: `check "firewall" "ssh" {
  service = "ssh"
  zone    = "nope"
}`,
			responses: map[string]verifier.ExecResult{
				state: running,
				"firewall-cmd --zone=nope --query-service=ssh": exit(112, "", "Error: INVALID_ZONE: nope\n"),
			},
			status:  verifier.StatusError,
			message: "firewall-cmd exited 112: Error: INVALID_ZONE: nope",
		},
	})
}
