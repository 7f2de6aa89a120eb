package kickstart

import (
	"strings"
	"testing"
)

func TestValidateAcceptsGoodConfigs(t *testing.T) {
	for _, d := range Dialects() {
		for name, cfg := range map[string]Config{
			"empty": {},
			"full":  fullConfig(d),
			"plain, disabled firewall, repo": {
				Partitioning: "plain", Firewall: "disabled", SELinux: "disabled", Finish: "poweroff",
				RepoURL: "ftp://mirror.example.org/centos/7/os/x86_64/",
			},
			"hashes": {RootPasswordHash: opsHash, Users: []User{{Name: "ops", PasswordHash: opsHash}}},
		} {
			if errs := cfg.Validate(d); len(errs) > 0 {
				t.Errorf("%s, %s: %v", d.Version, name, errs)
			}
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name    string
		version string
		cfg     Config
		want    []string // one entry per expected error, in order
	}{
		{"bad lang", "stream9", Config{Lang: "english please"},
			[]string{`lang "english please": use a locale such as "en_US.UTF-8"`}},
		{"bad keyboard and timezone", "stream9", Config{Keyboard: "de (nodeadkeys)", Timezone: "Europe Berlin"},
			[]string{`keyboard "de (nodeadkeys)": use a console keymap`, `timezone "Europe Berlin": use a tz database name`}},
		{"both root passwords", "stream9", Config{RootPassword: "x", RootPasswordHash: opsHash},
			[]string{"root_password and root_password_hash are both set; use one"}},
		{"root hash not a hash", "stream9", Config{RootPasswordHash: "changeme"},
			[]string{"root_password_hash is not a SHA-512 crypt hash (\"$6$<salt>$<86 characters>\"); make one with `openssl passwd -6`, or set root_password instead"}},
		{"md5 root hash", "7", Config{RootPasswordHash: "$1$salt$qJH7.N4xYta3aEG/dfqo/0"},
			[]string{"root_password_hash is not a SHA-512 crypt hash"}},
		{"allow_root_ssh on 7", "7", Config{RootPassword: "x", AllowRootSSH: true},
			[]string{"allow_root_ssh: CentOS 7 has no `rootpw --allow-ssh` (it came with CentOS Stream 9); remove the option"}},
		{"allow_root_ssh on stream8 without password", "stream8", Config{AllowRootSSH: true},
			[]string{"allow_root_ssh: CentOS Stream 8 has no `rootpw --allow-ssh`",
				"allow_root_ssh: root has no password to log in with; set root_password or root_password_hash"}},
		{"allow_root_ssh on stream10 without password", "stream10", Config{AllowRootSSH: true},
			[]string{"allow_root_ssh: root has no password to log in with"}},
		{"users", "stream9", Config{Users: []User{
			{Name: ""},
			{Name: "root"},
			{Name: "Bob Smith"},
			{Name: "ops", Groups: []string{"wheel", "Domain Users"}},
			{Name: "ops", Password: "x", PasswordHash: opsHash},
			{Name: "dev", PasswordHash: "plain", SSHAuthorizedKeys: []string{"AAAA no type", `command="x" ssh-ed25519 AAAA`}},
		}}, []string{
			"user[0].name is empty",
			`user[1].name "root": root always exists`,
			`user[2].name "Bob Smith": use 1-32 lower-case letters`,
			`user[3].groups: "Domain Users" is not a group name`,
			`user[4].name "ops": the user is defined twice; merge the blocks`,
			"user[4].password and user[4].password_hash are both set; use one",
			"user[5].password_hash is not a SHA-512 crypt hash",
			`user[5].ssh_authorized_keys[0]: "AAAA no type" is not a single authorized_keys line`,
			`user[5].ssh_authorized_keys[1]: "command=\"x\" ssh-ed25519 AAAA" is not a single authorized_keys line`,
		}},
		{"sudo without sudo", "stream9", Config{Users: []User{{Name: "b", SudoNoPassword: true}}, ExcludePackages: []string{"sudo"}},
			[]string{"user[0].sudo_nopasswd needs sudo, which exclude_packages removes"}},
		{"packages", "stream9", Config{
			Packages:        []string{"@core", "-foo", "vim", "tmux"},
			PackageGroups:   []string{"@core", "bad group"},
			ExcludePackages: []string{"tmux", "-bar", "openssh-server"},
		}, []string{
			`packages: "@core" is not a package name; list bare names (globs allowed), groups go in package_groups`,
			`packages: "-foo" is not a package name`,
			`packages: "tmux" is also in exclude_packages`,
			`package_groups: "@core" is not a group id; use ids such as "core" without the '@'`,
			`package_groups: "bad group" is not a group id`,
			`exclude_packages: "-bar" is not a package name; list bare names without the '-'`,
			"exclude_packages: openssh-server is needed, the build connects over SSH",
		}},
		{"enums", "stream9", Config{Partitioning: "lvm", SELinux: "on", Finish: "halt", Firewall: "off"},
			[]string{
				`partitioning "lvm": use one of "autopart", "plain", "simple"`,
				`selinux "on": use one of "enforcing", "permissive", "disabled"`,
				`finish "halt": use one of "poweroff", "reboot"`,
				`firewall "off": use one of "enabled", "disabled"`,
			}},
		{"firewall without ssh", "stream9", Config{FirewallServices: []string{"http", "Bad Name"}},
			[]string{`firewall_services: "Bad Name" is not a firewalld service name`,
				`firewall_services must include "ssh": the build connects over SSH; add it, or set firewall = "disabled"`}},
		{"firewall services while disabled", "stream9", Config{Firewall: "disabled", FirewallServices: []string{"ssh"}},
			[]string{`firewall_services is set but firewall is "disabled"`}},
		{"services", "stream9", Config{ServicesEnabled: []string{"chronyd", "a,b"}, ServicesDisabled: []string{"sshd", "chronyd"}},
			[]string{`services_enabled: "a,b" is not a systemd unit name`,
				"services_disabled: sshd is needed, the build connects over SSH",
				`services_disabled: "chronyd" is also in services_enabled`}},
		{"post scripts", "stream9", Config{Post: []string{" \n", "echo a\n%end\necho b", "  %packages", "# --plaintext is fine here\nuseradd x && chpasswd --plaintext"}},
			[]string{"post[0] is empty; remove it",
				`post[1] line 2 starts with "%end", which the installer reads as kickstart syntax`,
				`post[2] line 1 starts with "%packages"`,
				"post[3] line 2 passes --plaintext: no plaintext password may reach the guest"}},
		{"repo url", "stream9", Config{RepoURL: "mirror.example.org/BaseOS"},
			[]string{`repo_url "mirror.example.org/BaseOS": use an http, https or ftp URL`}},
		{"repo url with a space", "stream9", Config{RepoURL: "http://mirror.example.org/Base OS/"},
			[]string{"percent-encode spaces and quotes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			errs := cfg.Validate(mustDialect(t, tc.version))
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tc.want), errs)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tc.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, err, tc.want[i])
				}
			}
		})
	}
}

func TestValidateWithoutDialect(t *testing.T) {
	errs := (&Config{}).Validate(Dialect{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "no kickstart dialect given") {
		t.Errorf("errs = %v", errs)
	}
}

func TestValidateDoesNotChangeConfig(t *testing.T) {
	cfg := Config{}
	cfg.Validate(mustDialect(t, "7"))
	if cfg.Lang != "" || cfg.PackageGroups != nil || cfg.FirewallServices != nil {
		t.Errorf("Validate filled in defaults: %+v", cfg)
	}
}

func TestCheckSSHUsername(t *testing.T) {
	cfg := Config{Users: []User{{Name: "builder"}}}
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"root", true}, {"builder", true}, {"centos", false}} {
		err := cfg.CheckSSHUsername(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("CheckSSHUsername(%q) = %v", tc.name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "add a `user { name = \"centos\" }` block to kickstart") {
			t.Errorf("error names no fix: %v", err)
		}
	}
}

func TestRootHash(t *testing.T) {
	if h, err := (&Config{}).RootHash(nil); h != "" || err != nil {
		t.Errorf("no password: %q, %v", h, err)
	}
	if h, _ := (&Config{RootPasswordHash: opsHash}).RootHash(nil); h != opsHash {
		t.Errorf("given hash: %q", h)
	}
	h, err := (&Config{RootPassword: "pw"}).RootHash(nil)
	if err != nil || !IsSHA512Crypt(h) {
		t.Errorf("hashed password: %q, %v", h, err)
	}
}
