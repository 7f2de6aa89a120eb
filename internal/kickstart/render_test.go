package kickstart

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// fullConfig uses every option; allow_root_ssh only where the dialect has
// `rootpw --allow-ssh`.
func fullConfig(d Dialect) Config {
	return Config{
		Lang:         "de_DE.UTF-8",
		Keyboard:     "de",
		Timezone:     "Europe/Berlin",
		RootPassword: "root-secret-1",
		AllowRootSSH: d.RootpwAllowSSH,
		Users: []User{
			{Name: "builder", Groups: []string{"wheel"}, Password: "builder-secret-2", SSHAuthorizedKeys: []string{aliceKey}, SudoNoPassword: true},
			{Name: "ops", Groups: []string{"wheel", "adm"}, PasswordHash: opsHash, SSHAuthorizedKeys: []string{aliceKey}},
		},
		Packages:         []string{"vim-enhanced", "tmux"},
		PackageGroups:    []string{"core", "standard"},
		ExcludePackages:  []string{"iwl*-firmware", "plymouth"},
		Partitioning:     "simple",
		SELinux:          "permissive",
		Firewall:         "enabled",
		FirewallServices: []string{"ssh", "http"},
		ServicesEnabled:  []string{"chronyd"},
		ServicesDisabled: []string{"kdump"},
		Post: []string{
			"echo 'built by packer' > /etc/motd\n",
			"install -m 0644 /dev/null /etc/cloud/cloud-init.disabled",
		},
		Finish: "reboot",
	}
}

var fullInput = RenderInput{SSHUsername: "builder", SSHPublicKey: buildKey, Hostname: "web01"}

var minimalInput = RenderInput{SSHUsername: "root", SSHPublicKey: buildKey, Hostname: "packer"}

func TestRenderGolden(t *testing.T) {
	for _, d := range Dialects() {
		for _, tc := range []struct {
			name  string
			cfg   Config
			input RenderInput
		}{
			{"full", fullConfig(d), fullInput},
			{"minimal", Config{}, minimalInput},
		} {
			t.Run(tc.name+"-"+d.Version, func(t *testing.T) {
				in := tc.input
				in.Random = &counter{}
				out, err := tc.cfg.Render(d, in)
				if err != nil {
					t.Fatal(err)
				}
				golden(t, tc.name+"-"+d.Version+".ks.golden", out)
			})
		}
	}
}

func TestRenderIsDeterministicExceptForSalts(t *testing.T) {
	d := mustDialect(t, "stream9")
	cfg := fullConfig(d)
	render := func(r *counter) []byte {
		in := fullInput
		in.Random = r
		out, err := cfg.Render(d, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := render(&counter{}), render(&counter{})
	if !bytes.Equal(a, b) {
		t.Fatal("two renders with the same salt source differ")
	}
	c := render(&counter{n: 100})
	if bytes.Equal(a, c) {
		t.Fatal("a different salt source gave the same hashes")
	}
	hashes := regexp.MustCompile(`\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}`)
	if hashes.ReplaceAllString(string(a), "HASH") != hashes.ReplaceAllString(string(c), "HASH") {
		t.Error("renders differ in more than the password hashes")
	}
}

func TestRenderWithCryptoRand(t *testing.T) {
	d := mustDialect(t, "stream10")
	cfg := fullConfig(d)
	a, err := cfg.Render(d, fullInput)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cfg.Render(d, fullInput)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Error("two renders with crypto/rand salts are identical")
	}
}

func TestRenderNeverWritesPlaintextPasswords(t *testing.T) {
	for _, d := range Dialects() {
		cfg := fullConfig(d)
		out, err := cfg.Render(d, fullInput)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{cfg.RootPassword, cfg.Users[0].Password, "ops-password"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("%s: output contains the password %q", d.Version, secret)
			}
		}
		if problems := Lint(d, out); len(problems) > 0 {
			t.Errorf("%s: output fails lint: %v", d.Version, problems)
		}
	}
}

// lineOf returns the first line of ks that starts with prefix.
func lineOf(ks []byte, prefix string) string {
	for _, l := range strings.Split(string(ks), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestRenderOptions(t *testing.T) {
	d := mustDialect(t, "stream9")
	tests := []struct {
		name  string
		cfg   Config
		input RenderInput
		want  []string // lines that must appear
		not   []string // line prefixes that must not
	}{
		{
			name: "defaults",
			want: []string{"cdrom", "lang en_US.UTF-8", "keyboard us", "timezone UTC --utc",
				"network --bootproto=dhcp --device=link --activate --hostname=packer",
				"selinux --enforcing", "firewall --enabled --service=ssh", "services --enabled=sshd",
				"rootpw --lock", `sshkey --username=root "` + buildKey + `"`,
				"zerombr", "clearpart --all --initlabel",
				`bootloader --location=mbr --append="console=tty0 console=ttyS0,115200"`,
				"autopart --type=lvm", "poweroff", "%packages", "@core", "text", "skipx", "firstboot --disabled"},
			not: []string{"%post", "user ", "url "},
		},
		{
			name: "plain partitioning",
			cfg:  Config{Partitioning: "plain"},
			want: []string{"autopart --type=plain"},
			not:  []string{"part ", "reqpart"},
		},
		{
			name: "simple partitioning",
			cfg:  Config{Partitioning: "simple"},
			want: []string{"reqpart", "part /boot --fstype=xfs --size=1024", "part / --fstype=xfs --size=1 --grow"},
			not:  []string{"autopart"},
		},
		{
			name: "repo url and reboot without eject",
			cfg:  Config{RepoURL: "https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/", Finish: "reboot"},
			want: []string{`url --url="https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/"`, "reboot"},
			not:  []string{"cdrom", "reboot --eject", "poweroff"},
		},
		{
			name: "reboot from the DVD ejects it",
			cfg:  Config{Finish: "reboot"},
			want: []string{"reboot --eject"},
		},
		{
			name: "firewall and selinux disabled",
			cfg:  Config{Firewall: "disabled", SELinux: "disabled"},
			want: []string{"firewall --disabled", "selinux --disabled"},
		},
		{
			name: "sshd is enabled once, first",
			cfg:  Config{ServicesEnabled: []string{"chronyd", "sshd"}, ServicesDisabled: []string{"kdump", "postfix"}},
			want: []string{"services --enabled=sshd,chronyd --disabled=kdump,postfix"},
		},
		{
			name: "root hash given",
			cfg:  Config{RootPasswordHash: opsHash},
			want: []string{"rootpw --iscrypted " + opsHash},
		},
		{
			name: "allow root ssh",
			cfg:  Config{RootPasswordHash: opsHash, AllowRootSSH: true},
			want: []string{"rootpw --iscrypted --allow-ssh " + opsHash},
		},
		{
			name:  "build key goes to a non-root SSH user, once; more keys through %post",
			cfg:   Config{Users: []User{{Name: "builder", SSHAuthorizedKeys: []string{buildKey, aliceKey}}}},
			input: RenderInput{SSHUsername: "builder", SSHPublicKey: buildKey, Hostname: "packer"},
			want: []string{"user --name=builder", `sshkey --username=builder "` + buildKey + `"`,
				"%post --erroronfail --log=/root/ks-post-sshkeys.log",
				`cat >> "$(getent passwd builder | cut -d: -f6)/.ssh/authorized_keys" <<'EOF'`, aliceKey},
			not: []string{"sshkey --username=root", `sshkey --username=builder "` + aliceKey},
		},
		{
			name: "package lists",
			cfg:  Config{PackageGroups: []string{"^minimal-environment"}, Packages: []string{"tmux"}, ExcludePackages: []string{"plymouth"}},
			want: []string{"@^minimal-environment", "tmux", "-plymouth"},
			not:  []string{"@core"},
		},
		{
			name: "post scripts numbered, trailing newlines trimmed",
			cfg:  Config{Post: []string{"echo one\n\n", "echo two"}},
			want: []string{"%post --erroronfail --log=/root/ks-post-1.log", "echo one", "%post --erroronfail --log=/root/ks-post-2.log", "echo two"},
		},
		{
			name: "sudo for the users that ask",
			cfg:  Config{Users: []User{{Name: "a", SudoNoPassword: true}, {Name: "b"}}},
			want: []string{"%post --erroronfail --log=/root/ks-post-sudoers.log", "Defaults:a !requiretty", "a ALL=(ALL) NOPASSWD: ALL", "chmod 0440 /etc/sudoers.d/a"},
			not:  []string{"b ALL=", "chmod 0440 /etc/sudoers.d/b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.input
			if in.SSHUsername == "" {
				in = minimalInput
			}
			out, err := tc.cfg.Render(d, in)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(out), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("no line %q in\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if l := lineOf(out, n); l != "" {
					t.Errorf("unexpected line %q", l)
				}
			}
		})
	}
}

func TestRenderInputErrors(t *testing.T) {
	d := mustDialect(t, "stream8")
	tests := []struct {
		name  string
		cfg   Config
		input RenderInput
		want  string
	}{
		{"no ssh user", Config{}, RenderInput{SSHPublicKey: buildKey, Hostname: "h"}, "no SSH user given; set ssh_username"},
		{"ssh user not defined", Config{}, RenderInput{SSHUsername: "builder", SSHPublicKey: buildKey, Hostname: "h"}, `ssh_username "builder" is neither root nor a kickstart user`},
		{"no key", Config{}, RenderInput{SSHUsername: "root", Hostname: "h"}, "the build's SSH public key: \"\" is not a single authorized_keys line"},
		{"key with a quote", Config{}, RenderInput{SSHUsername: "root", SSHPublicKey: `ssh-ed25519 AAAA "x`, Hostname: "h"}, "is not a single authorized_keys line"},
		{"two keys", Config{}, RenderInput{SSHUsername: "root", SSHPublicKey: buildKey + "\n" + aliceKey, Hostname: "h"}, "is not a single authorized_keys line"},
		{"bad hostname", Config{}, RenderInput{SSHUsername: "root", SSHPublicKey: buildKey, Hostname: "web_01"}, `hostname "web_01"`},
		{"config errors too", Config{SELinux: "on"}, minimalInput, `selinux "on"`},
		{"a post script's --plaintext is a config error, not a lint bug", Config{Post: []string{"x --plaintext"}}, minimalInput, "post[0] line 1 passes --plaintext"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Render(d, tc.input)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "kickstart for CentOS Stream 8: ") {
				t.Errorf("err = %v, want the dialect as context", err)
			}
		})
	}
}

func TestRenderReportsSaltSourceFailure(t *testing.T) {
	d := mustDialect(t, "7")
	in := minimalInput
	in.Random = bytes.NewReader([]byte{1, 2, 3}) // too short for a salt
	_, err := (&Config{RootPassword: "x"}).Render(d, in)
	if err == nil || !strings.Contains(err.Error(), "root password: read salt for password hash") {
		t.Fatalf("err = %v", err)
	}
}
