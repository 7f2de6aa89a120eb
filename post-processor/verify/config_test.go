package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// decode turns a post-processor body into the value Packer hands the
// plugin, using the post-processor's own ConfigSpec as Packer does.
func decode(t *testing.T, body string) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(body), "build.pkr.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var p PostProcessor
	v, diags := hcldec.Decode(f.Body, p.ConfigSpec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

func configure(t *testing.T, body string) (*PostProcessor, error) {
	t.Helper()
	var p PostProcessor
	return &p, p.Configure(decode(t, body))
}

func names(checks []verifier.Check) []string {
	var out []string
	for _, c := range checks {
		out = append(out, c.Metadata().Type+"/"+c.Metadata().Name)
	}
	return out
}

func TestConfigureDefaults(t *testing.T) {
	p, err := configure(t, "")
	if err != nil {
		t.Fatal(err)
	}
	c := p.config
	if c.Comm.SSHUsername != "root" || c.ShutdownTimeout != time.Minute || c.LibvirtURI != "qemu:///system" ||
		c.Network != "default" || c.DomainType != "auto" || !c.cloudInit() || c.Comm.SSHTemporaryKeyPairType != "ed25519" {
		t.Errorf("defaults wrong: %+v", c)
	}
	if s := c.spec.Settings; s.Parallel != verifier.DefaultParallel || !s.BuiltinChecks {
		t.Errorf("spec settings = %+v, want the defaults", s)
	}
}

func TestConfigureSpecFileAndInlineChecks(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "verify.hcl")
	if err := os.WriteFile(spec, []byte(`
settings {
  parallel = 2
}
check "package" "vim" { installed = true }
check "service" "sshd" { running = true }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := configure(t, `
spec             = "`+spec+`"
max_boot_seconds = 90
disable_checks   = ["no_avc_denials"]
check_package {
  name      = "vim"
  installed = false
}
check_port {
  name = "http"
  port = 80
}
`)
	if err != nil {
		t.Fatal(err)
	}
	s := p.config.spec
	if got, want := strings.Join(names(s.Checks), " "), "package/vim service/sshd port/http"; got != want {
		t.Errorf("checks = %s, want %s", got, want)
	}
	if s.Checks[0].(*verifier.PackageCheck).Installed {
		t.Error("the inline package/vim did not replace the spec file's")
	}
	if s.Settings.Parallel != 2 || s.Settings.MaxBootSeconds != 90 || len(s.Settings.Disable) != 1 {
		t.Errorf("settings = %+v, want the file's parallel and the block's overrides", s.Settings)
	}
}

func TestConfigureRejects(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.hcl")
	os.WriteFile(bad, []byte("check \"service\" \"nginx\" {\n  port = 80\n}\n"), 0o644)
	tests := []struct{ body, want string }{
		{`spec = "` + bad + `"`, `bad.hcl:2:3: check "service" "nginx": attribute "port" is not valid for a service check`},
		{`spec = "/nonexistent/verify.hcl"`, "spec /nonexistent/verify.hcl: read spec"},
		{`disable_checks = ["cloudinit"]`, `unknown built-in check "cloudinit"`},
		{`parallel = 40`, "parallel must be 1 to 16, got 40"},
		{`cloud_init = false`, "cloud_init = false needs ssh_password, ssh_private_key_file or ssh_agent_auth"},
		{`shutdown_timeout = "-1s"`, "shutdown_timeout must be positive"},
		{`domain_type = "xen"`, `domain_type "xen" is not one of auto, kvm, qemu`},
		{`memory = 16`, "memory is in MiB and must be at least 256"},
		{"check_file {\n  name = \"/etc/motd\"\n  mode = \"rw\"\n}", `check "file" "/etc/motd": attribute "mode": expected an octal mode`},
	}
	for _, tt := range tests {
		_, err := configure(t, tt.body)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.body, err, tt.want)
		}
	}
}

func TestConfigureReportsAllErrorsAtOnce(t *testing.T) {
	_, err := configure(t, "parallel = 40\nmemory = 16\ndomain_type = \"xen\"\ncheck_file {\n  name = \"/x\"\n  mode = \"rw\"\n}")
	if err == nil {
		t.Fatal("accepted four mistakes")
	}
	for _, want := range []string{"parallel", "memory", "domain_type", `check "file" "/x"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestConfigureLegacyJSONInlineChecks(t *testing.T) {
	var p PostProcessor
	err := p.Configure(map[string]interface{}{
		"check_service": []interface{}{map[string]interface{}{"name": "sshd", "running": true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p.config.spec.Checks); len(got) != 1 || got[0] != "service/sshd" {
		t.Errorf("checks = %v", got)
	}
}
