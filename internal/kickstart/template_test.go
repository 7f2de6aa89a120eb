package kickstart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var templateData = TemplateData{
	HTTPIP:           "10.0.2.2",
	HTTPPort:         8123,
	SSHPublicKey:     buildKey,
	SSHUsername:      "root",
	RootPasswordHash: opsHash,
	Hostname:         "web01",
}

func TestRenderTemplate(t *testing.T) {
	src := `url --url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/repo
network --bootproto=dhcp --hostname={{ .Hostname }}
rootpw --iscrypted {{ .RootPasswordHash }}
sshkey --username={{ .SSHUsername }} "{{ .SSHPublicKey }}"
`
	got, err := RenderTemplate("ks.cfg", []byte(src), templateData)
	if err != nil {
		t.Fatal(err)
	}
	want := `url --url=http://10.0.2.2:8123/repo
network --bootproto=dhcp --hostname=web01
rootpw --iscrypted ` + opsHash + `
sshkey --username=root "` + buildKey + `"
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if problems := Lint(mustDialect(t, "stream10"), got); len(problems) > 0 {
		t.Errorf("rendered template fails lint: %v", problems)
	}
}

func TestRenderTemplateErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown field", "text\nrootpw --iscrypted {{ .RootPassword }}\n", `render kickstart template: template: ks.cfg:2:22: executing "ks.cfg" at <.RootPassword>: can't evaluate field RootPassword`},
		{"no sprig functions", `{{ $m := dict }}`, `parse kickstart template: template: ks.cfg:1: function "dict" not defined`},
		{"bad syntax", "{{ .HTTPIP ", "parse kickstart template: template: ks.cfg:1: unclosed action"},
		{"no file functions", `{{ readFile "/etc/shadow" }}`, `function "readFile" not defined`},
		{"no env or exec", `{{ env "HOME" }}{{ exec "id" }}`, `function "env" not defined`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RenderTemplate("ks.cfg", []byte(tc.src), templateData)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// missingkey=error: a key missing from a map is an error, not "<no value>".
func TestRenderTemplateMissingKeyIsAnError(t *testing.T) {
	type withMap struct{ Vars map[string]string }
	_, err := execute("ks.cfg", []byte(`{{ .Vars.nope }}`), withMap{Vars: map[string]string{}})
	if err == nil || !strings.Contains(err.Error(), `map has no entry for key "nope"`) {
		t.Errorf("err = %v", err)
	}
}

func TestRenderTemplateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ks.cfg.tmpl")
	if err := os.WriteFile(path, []byte("network --hostname={{ .Hostname }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := RenderTemplateFile(path, templateData)
	if err != nil || string(got) != "network --hostname=web01\n" {
		t.Errorf("got %q, %v", got, err)
	}
	_, err = RenderTemplateFile(filepath.Join(dir, "missing"), templateData)
	if err == nil || !strings.HasPrefix(err.Error(), "read kickstart_file: open ") {
		t.Errorf("err = %v", err)
	}
}

// A template can still write a plaintext password; the lint catches it
// after rendering.
func TestRenderedTemplateIsLinted(t *testing.T) {
	got, err := RenderTemplate("ks.cfg", []byte("rootpw {{ .Hostname }}\n"), templateData)
	if err != nil {
		t.Fatal(err)
	}
	if err := LintError(mustDialect(t, "7"), got); err == nil || !strings.Contains(err.Error(), "line 1: rootpw with a plaintext password") {
		t.Errorf("err = %v", err)
	}
}
