package cloudinit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// default_user reads the name from cloud.cfg's system_info, a cloud.cfg.d
// file overriding it, and nothing from a configuration without one.
func TestDefaultUserShell(t *testing.T) {
	const centos = "users:\n - default\n\nsystem_info:\n  default_user:\n    name: cloud-user\n    lock_passwd: true\n    gecos: Cloud User\n  distro: rhel\n"
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"CentOS cloud.cfg", map[string]string{"cloud.cfg": centos}, "cloud-user"},
		{"a cloud.cfg.d file overrides it", map[string]string{"cloud.cfg": centos,
			"cloud.cfg.d/90-site.cfg": "system_info:\n  default_user:\n    name: ops\n"}, "ops"},
		{"a name outside default_user is not it", map[string]string{"cloud.cfg": "system_info:\n  distro: rhel\n  default_user: {}\nusers:\n  - name: app\n"}, ""},
		{"no cloud-init", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, text := range tt.files {
				path := filepath.Join(root, "etc", "cloud", name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, err := exec.Command("sh", "-c", DefaultUserShell+`default_user "$1"`, "sh", root).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("default_user = %q, want %q", got, tt.want)
			}
		})
	}
}
