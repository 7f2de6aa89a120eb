package verifier_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestParseHCLAndJSONAgree(t *testing.T) {
	tests := []struct {
		name     string
		hcl      string
		json     string
		settings verifier.Settings
		image    *verifier.ImageSpec
		checks   []verifier.Check
	}{
		{
			name:     "empty spec takes defaults",
			hcl:      ``,
			json:     `{}`,
			settings: verifier.DefaultSettings(),
		},
		{
			name: "settings",
			hcl: `settings {
  parallel         = 2
  timeout          = "5s"
  max_boot_seconds = 60
  builtin_checks   = false
  disable          = ["boot_time"]
}`,
			json: `{"settings": {"parallel": 2, "timeout": "5s", "max_boot_seconds": 60, "builtin_checks": false, "disable": ["boot_time"]}}`,
			settings: verifier.Settings{Parallel: 2, Timeout: 5 * time.Second, MaxBootSeconds: 60,
				BuiltinChecks: false, Disable: []string{"boot_time"}},
		},
		{
			name: "image",
			hcl: `image {
  format       = "raw"
  virtual_size = "512M"
  integrity    = false
}`,
			json:     `{"image": {"format": "raw", "virtual_size": "512M", "integrity": false}}`,
			settings: verifier.DefaultSettings(),
			image:    &verifier.ImageSpec{Format: "raw", VirtualSize: 512 << 20, Integrity: false},
		},
		{
			name:     "package defaults to installed",
			hcl:      `check "package" "openssh-server" {}`,
			json:     `{"check": {"package": {"openssh-server": {}}}}`,
			settings: verifier.DefaultSettings(),
			checks: []verifier.Check{&verifier.PackageCheck{
				Meta: verifier.Meta{Type: "package", Name: "openssh-server"}, Installed: true}},
		},
		{
			name: "common attributes",
			hcl: `check "service" "sshd" {
  description = "ssh daemon"
  timeout     = "1m"
  retry       = true
  running     = true
}`,
			json:     `{"check": {"service": {"sshd": {"description": "ssh daemon", "timeout": "1m", "retry": true, "running": true}}}}`,
			settings: verifier.DefaultSettings(),
			checks: []verifier.Check{&verifier.ServiceCheck{
				Meta:    verifier.Meta{Type: "service", Name: "sshd", Description: "ssh daemon", Timeout: time.Minute, Retry: true},
				Running: ptr(true)}},
		},
		{
			name: "order is source order",
			hcl: `check "port" "ssh" { port = 22 }
check "kernel_param" "vm.swappiness" { value = 10 }`,
			json:     `{"check": {"port": {"ssh": {"port": 22}}, "kernel_param": {"vm.swappiness": {"value": 10}}}}`,
			settings: verifier.DefaultSettings(),
			checks: []verifier.Check{
				&verifier.PortCheck{Meta: verifier.Meta{Type: "port", Name: "ssh"}, Port: 22, Protocol: "tcp", Listening: true},
				&verifier.KernelParamCheck{Meta: verifier.Meta{Type: "kernel_param", Name: "vm.swappiness"}, Value: "10"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &verifier.Spec{Settings: tt.settings, Image: tt.image, Checks: tt.checks}
			fromHCL, err := verifier.ParseSource([]byte(tt.hcl), "spec.hcl")
			if err != nil {
				t.Fatalf("HCL: %v", err)
			}
			fromJSON, err := verifier.ParseSource([]byte(tt.json), "spec.json")
			if err != nil {
				t.Fatalf("JSON: %v", err)
			}
			if !reflect.DeepEqual(fromHCL, want) {
				t.Errorf("HCL parsed to\n%#v\nwant\n%#v", fromHCL, want)
			}
			if !reflect.DeepEqual(fromJSON, fromHCL) {
				t.Errorf("JSON parsed to\n%#v\nHCL to\n%#v", fromJSON, fromHCL)
			}
		})
	}
}

// The full example exercises every check type and attribute form; the
// the spec reference examples are these files.
func TestParseFullExampleHCLAndJSONAgree(t *testing.T) {
	fromHCL, err := verifier.ParseFile("testdata/full.hcl")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := verifier.ParseFile("testdata/full.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromHCL, fromJSON) {
		t.Errorf("HCL and JSON differ:\n%#v\n%#v", fromHCL, fromJSON)
	}
	if got := len(fromHCL.Checks); got != 14 {
		t.Errorf("got %d checks, want 14", got)
	}
	seen := map[string]bool{}
	for _, c := range fromHCL.Checks {
		seen[c.Metadata().Type] = true
	}
	for _, typ := range verifier.CheckTypes() {
		if !seen[typ] {
			t.Errorf("full example has no %s check", typ)
		}
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := verifier.ParseFile("testdata/does-not-exist.hcl")
	if err == nil || !strings.Contains(err.Error(), "read spec") {
		t.Fatalf("got %v, want a read spec error", err)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name string
		file string // default spec.hcl
		src  string
		// want lists, per reported error in order, its position and a
		// piece of its message.
		want []wantDiag
	}{
		{
			name: "unknown check type",
			src:  `check "pkg" "vim" {}`,
			want: []wantDiag{{"spec.hcl:1:7", `check "pkg" "vim": unknown check type "pkg"; valid: command, file, firewall,`}},
		},
		{
			name: "unknown attribute",
			src:  `check "package" "vim" { instaled = true }`,
			want: []wantDiag{{"spec.hcl:1:25", `check "package" "vim": attribute "instaled" is not valid for a package check; valid: installed, version, description, timeout, retry`}},
		},
		{
			name: "attribute of another check type",
			src:  `check "service" "nginx" { port = 80 }`,
			want: []wantDiag{{"spec.hcl:1:27", `check "service" "nginx": attribute "port" is not valid for a service check; valid: enabled, running, description, timeout, retry`}},
		},
		{
			name: "wrong type",
			src:  `check "package" "vim" { installed = "maybe" }`,
			want: []wantDiag{{"spec.hcl:1:37", `attribute "installed": expected bool, got string`}},
		},
		{
			name: "list where string expected",
			src:  `check "user" "bob" { shell = ["/bin/sh"] }`,
			want: []wantDiag{{"spec.hcl:1:30", `attribute "shell": expected string, got tuple`}},
		},
		{
			name: "bad duration",
			src:  `check "service" "sshd" { timeout = "soon" }`,
			want: []wantDiag{{"spec.hcl:1:36", `attribute "timeout": expected a positive duration such as "30s" or "2m", got "soon"`}},
		},
		{
			name: "bad regexp",
			src:  "check \"command\" \"c\" {\n  run = \"true\"\n  stdout_matches = \"(\"\n}",
			want: []wantDiag{{"spec.hcl:3:20", `attribute "stdout_matches": invalid regular expression`}},
		},
		{
			name: "bad mode",
			src:  `check "file" "/etc/motd" { mode = "0999" }`,
			want: []wantDiag{{"spec.hcl:1:35", `attribute "mode": expected an octal mode such as "0644", got "0999"`}},
		},
		{
			name: "duplicate check",
			src:  "check \"package\" \"vim\" {}\ncheck \"package\" \"vim\" { installed = false }",
			want: []wantDiag{{"spec.hcl:2:1", `duplicate check "package" "vim"; first defined at spec.hcl:1:1`}},
		},
		{
			name: "missing required attribute",
			src:  `check "port" "ssh" { protocol = "tcp" }`,
			want: []wantDiag{{"spec.hcl:1:1", `check "port" "ssh": missing required attribute "port"`}},
		},
		{
			name: "bad version constraint",
			src:  `check "package" "vim" { version = "~> 9" }`,
			want: []wantDiag{{"spec.hcl:1:35", `attribute "version": unknown operator "~>"`}},
		},
		{
			name: "version constraint with an empty release",
			src:  `check "package" "vim" { version = ">= 9.0-" }`,
			want: []wantDiag{{"spec.hcl:1:35", `attribute "version": empty release in "9.0-" of ">= 9.0-": write it after the hyphen, as in "2.0-1", or leave the hyphen out`}},
		},
		{
			name: "parallel above the bound",
			src:  `settings { parallel = 32 }`,
			want: []wantDiag{{"spec.hcl:1:23", `settings: attribute "parallel": expected 1 to 16, got 32`}},
		},
		{
			name: "unknown built-in in disable",
			src:  `settings { disable = ["cloudinit"] }`,
			want: []wantDiag{{"spec.hcl:1:22", `unknown built-in check "cloudinit"; valid: system_running, cloud_init,`}},
		},
		{
			name: "http to a remote host",
			src:  `check "http" "site" { url = "http://example.com/" }`,
			want: []wantDiag{{"spec.hcl:1:29", `expected a local address (localhost, 127.0.0.1 or [::1]), got host "example.com"`}},
		},
		{
			name: "firewall with service and port",
			src:  "check \"firewall\" \"web\" {\n  service = \"http\"\n  port = \"80/tcp\"\n}",
			want: []wantDiag{{"spec.hcl:1:1", `exactly one of "service" or "port" is required`}},
		},
		{
			name: "relative file path",
			src:  `check "file" "etc/motd" {}`,
			want: []wantDiag{{"spec.hcl:1:14", `check "file" "etc/motd": path must be absolute`}},
		},
		{
			name: "exists = false with mode",
			src:  "check \"file\" \"/etc/motd\" {\n  exists = false\n  mode   = \"0644\"\n}",
			want: []wantDiag{{"spec.hcl:3:12", `attribute "mode": cannot be combined with exists = false`}},
		},
		{
			name: "port out of range",
			src:  `check "port" "p" { port = 70000 }`,
			want: []wantDiag{{"spec.hcl:1:27", `expected a port between 1 and 65535, got 70000`}},
		},
		{
			name: "fractional number",
			src:  `check "user" "bob" { uid = 1.5 }`,
			want: []wantDiag{{"spec.hcl:1:28", `attribute "uid": expected a whole number, got 1.5`}},
		},
		{
			name: "variables are not allowed",
			src:  `check "command" "c" { run = var.cmd }`,
			want: []wantDiag{{"spec.hcl:1:29", `Variables not allowed`}},
		},
		{
			name: "unknown block",
			src:  `checks "package" "vim" {}`,
			want: []wantDiag{{"spec.hcl:1:1", `Unsupported block type`}},
		},
		{
			name: "duplicate settings block",
			src:  "settings {}\nsettings {}",
			want: []wantDiag{{"spec.hcl:2:1", `duplicate settings block; first defined at spec.hcl:1:1`}},
		},
		{
			name: "syntax error",
			src:  `check "package" "vim" { installed = }`,
			want: []wantDiag{{"spec.hcl:1:37", `Invalid expression`}},
		},
		{
			name: "json unknown attribute",
			file: "spec.json",
			src:  "{\"check\": {\"service\": {\"sshd\": {\n  \"port\": 22}}}}",
			want: []wantDiag{{"spec.json:2:3", `attribute "port" is not valid for a service check`}},
		},
		{
			name: "json wrong type",
			file: "spec.json",
			src:  `{"check": {"port": {"ssh": {"port": "twenty-two"}}}}`,
			want: []wantDiag{{"spec.json:1:37", `attribute "port": expected number, got string`}},
		},
		{
			name: "all errors are reported at once",
			src: `settings { parallel = 0 }
check "service" "sshd" { port = 22 }
check "nope" "x" {}
check "selinux" "mode" { mode = "strict" }`,
			want: []wantDiag{
				{"spec.hcl:1:23", `settings: attribute "parallel": expected 1 to 16, got 0`},
				{"spec.hcl:2:26", `attribute "port" is not valid for a service check`},
				{"spec.hcl:3:7", `unknown check type "nope"`},
				{"spec.hcl:4:33", `attribute "mode": expected one of "enforcing", "permissive", "disabled", got "strict"`},
			},
		},
	}
	if len(tests) < 15 {
		t.Fatalf("only %d malformed specs; keep at least 15", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "spec.hcl"
			}
			spec, err := verifier.ParseSource([]byte(tt.src), file)
			if err == nil {
				t.Fatalf("parsed without error: %#v", spec)
			}
			assertDiags(t, err, tt.want)
		})
	}
}

type wantDiag struct {
	pos  string // "file:line:column", or "" for none
	text string
}

// assertDiags checks that err is a *SpecError whose lines match want, one
// for one and in order.
func assertDiags(t *testing.T, err error, want []wantDiag) {
	t.Helper()
	var se *verifier.SpecError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *SpecError", err, err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) || len(se.Diagnostics) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		prefix := ""
		if w.pos != "" {
			prefix = w.pos + ": "
		}
		if !strings.HasPrefix(lines[i], prefix) || !strings.Contains(lines[i], w.text) {
			t.Errorf("error %d is\n  %s\nwant position %q and text containing\n  %s", i, lines[i], w.pos, w.text)
		}
		if w.pos == "" && se.Diagnostics[i].Subject != nil {
			t.Errorf("error %d has position %s, want none", i, se.Diagnostics[i].Subject)
		}
		if se.Diagnostics[i].Severity != hcl.DiagError {
			t.Errorf("diagnostic %d is not an error", i)
		}
	}
}

func ptr[T any](v T) *T { return &v }
