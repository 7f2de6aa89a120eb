package kickstart

import (
	"strings"
	"testing"
)

// FuzzLint: the lint never panics, and a kickstart holding a rootpw line
// with a plaintext password is always refused.
func FuzzLint(f *testing.F) {
	f.Add("rootpw --iscrypted $6$salt$hash\nsshkey --username=root \"ssh-ed25519 AAAA\"\npoweroff\n", "stream9")
	f.Add("install\ncdrom\nauthconfig --enableshadow\n%packages --nobase\n@core\n%end\n", "stream10")
	f.Add("%post\ninstall -m 0644 a b\n%end\n", "7")
	f.Add("user --name=x --password=secret\n", "stream8")
	f.Fuzz(func(t *testing.T, ks, version string) {
		d, err := DialectFor(version)
		if err != nil {
			d = Dialects()[len(Dialects())-1]
		}
		_ = Lint(d, []byte(ks))
		withPlain := ks + "\nrootpw changeme\n"
		if strings.Contains(ks, "%") {
			return // the line may land inside a section, where it is script text
		}
		if LintError(d, []byte(withPlain)) == nil {
			t.Fatalf("plaintext rootpw not refused in:\n%s", withPlain)
		}
	})
}

// FuzzRenderTemplate: templates either render or fail with an error; no
// panic, and the data's values come through unchanged.
func FuzzRenderTemplate(f *testing.F) {
	f.Add("sshkey --username={{ .SSHUsername }} \"{{ .SSHPublicKey }}\"\n")
	f.Add("url --url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/repo\n")
	f.Add("{{ .Nope }}")
	f.Add("{{ range . }}{{ end }}")
	f.Fuzz(func(t *testing.T, src string) {
		data := TemplateData{HTTPIP: "192.0.2.1", HTTPPort: 8080, SSHUsername: "root", SSHPublicKey: "ssh-ed25519 AAAA", Hostname: "h"}
		out, err := RenderTemplate("ks.cfg", []byte(src), data)
		if err == nil && src == "{{ .SSHUsername }}" && string(out) != "root" {
			t.Fatalf("rendered %q", out)
		}
	})
}
