package kickstart

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name     string
		versions []string // where the findings are expected
		clean    []string // where the same kickstart passes
		ks       string
		want     []Problem // Message is a substring
	}{
		{
			name: "install removed in RHEL 9", versions: []string{"stream9", "stream10"}, clean: []string{"7", "stream8"},
			ks:   "text\ninstall\ncdrom\n",
			want: []Problem{{2, RuleRemoved, "`install` was removed in RHEL 9"}},
		},
		{
			name: "auth and authconfig removed in RHEL 10", versions: []string{"stream10"}, clean: []string{"7", "stream8", "stream9"},
			ks: "auth --useshadow\n# authconfig in a comment is fine\nauthconfig --enableshadow\n",
			want: []Problem{
				{1, RuleRemoved, "`auth` was removed in RHEL 10, so CentOS Stream 10's installer rejects it; use authselect"},
				{3, RuleRemoved, "`authconfig` was removed in RHEL 10"},
			},
		},
		{
			name: "unsupported_hardware removed in RHEL 8", versions: []string{"stream8", "stream9", "stream10"}, clean: []string{"7"},
			ks:   "\n\n  unsupported_hardware  # trailing comment\n",
			want: []Problem{{3, RuleRemoved, "`unsupported_hardware` was removed in RHEL 8"}},
		},
		{
			name: "%packages --nobase removed in RHEL 8", versions: []string{"stream8", "stream9", "stream10"}, clean: []string{"7"},
			ks:   "text\n%packages --ignoremissing --nobase\n@core\n%end\n",
			want: []Problem{{2, RuleRemoved, "`%packages --nobase` was removed in RHEL 8"}},
		},
		{
			name: "abbreviated option", versions: []string{"stream10"}, clean: []string{"stream9"},
			ks:   "timezone UTC --ntpserv=pool.ntp.org\n",
			want: []Problem{{1, RuleRemoved, "`timezone --ntpservers` was removed in RHEL 10, so CentOS Stream 10's installer rejects it; use `timesource --ntp-server=...`"}},
		},
		{
			name: "rootpw --allow-ssh before RHEL 9", versions: []string{"7", "stream8"}, clean: []string{"stream9", "stream10"},
			ks:   "rootpw --iscrypted --allow-ssh " + opsHash + "\n",
			want: []Problem{{1, RuleTooNew, "`rootpw --allow-ssh` came with RHEL 9, so"}},
		},
		{
			name: "authselect before RHEL 8", versions: []string{"7"}, clean: []string{"stream8"},
			ks:   "authselect select minimal\n",
			want: []Problem{{1, RuleTooNew, "`authselect` came with RHEL 8, so CentOS 7's installer rejects it"}},
		},
		{
			name: "script bodies are not commands", clean: []string{"7", "stream8", "stream9", "stream10"},
			ks: "%post\ninstall -m 0644 /dev/null /etc/x\nauthconfig --update\nunsupported_hardware\n%end\n" +
				"%pre --interpreter=/bin/bash\ninstall -d /tmp/x\n%end\n",
		},
		{
			name: "unterminated section runs into the next header", versions: []string{"stream9"},
			ks:   "%post\necho hi\n%packages --nobase\n@core\n%end\ninstall\n",
			want: []Problem{{3, RuleRemoved, "--nobase"}, {6, RuleRemoved, "`install`"}},
		},
		{
			name: "plaintext rootpw", versions: []string{"7", "stream8", "stream9", "stream10"},
			ks: "rootpw changeme\nrootpw --plaintext changeme\nrootpw --iscrypted --plaintext " + opsHash + "\n" +
				"rootpw --iscrypted\nrootpw --iscrypted changeme\nrootpw --lock changeme\n",
			want: []Problem{
				{1, RulePlaintextPassword, "rootpw with a plaintext password"},
				{2, RulePlaintextPassword, "rootpw with a plaintext password"},
				{3, RulePlaintextPassword, "rootpw with a plaintext password"},
				{4, RulePlaintextPassword, "rootpw --iscrypted without a hash"},
				{5, RulePlaintextPassword, "rootpw --iscrypted value is no crypt hash"},
				{6, RulePlaintextPassword, "rootpw with a plaintext password"},
			},
		},
		{
			name: "hashed or locked root is fine", clean: []string{"7", "stream8", "stream9", "stream10"},
			ks: "rootpw --iscrypted " + opsHash + "\nrootpw --lock\nrootpw --lock --iscrypted " + opsHash + "\n" +
				"rootpw --iscrypt " + opsHash + "\n" + `rootpw "--iscrypted" '` + opsHash + "'\n",
		},
		{
			name: "plaintext user", versions: []string{"7", "stream10"},
			ks: "user --name=a --password=changeme\nuser --name=b --plaintext --password changeme\n" +
				"user --name=c --pass changeme\nuser --name=d --iscrypted --password=\nuser --name=e --iscrypted --password=changeme\n" +
				"user --name=f --plaintext\n",
			want: []Problem{
				{1, RulePlaintextPassword, "user with a plaintext --password"},
				{2, RulePlaintextPassword, "user with a plaintext --password"},
				{3, RulePlaintextPassword, "user with a plaintext --password"},
				{4, RulePlaintextPassword, "user --iscrypted with an empty --password"},
				{5, RulePlaintextPassword, "user --iscrypted --password value is no crypt hash"},
				{6, RulePlaintextPassword, "user with a plaintext --password"},
			},
		},
		{
			name: "hashed users are fine", clean: []string{"7", "stream9"},
			ks: "user --name=a\nuser --name=b --iscrypted --password=" + opsHash + "\nuser --name=c --password " + opsHash + " --iscrypted\n",
		},
		{
			name: "other plaintext passwords", versions: []string{"stream9"},
			ks: "sshpw --username=install changeme\nsshpw --username install --iscrypted " + opsHash + "\nsshpw --username=k --sshkey \"ssh-ed25519 AAAA\"\n" +
				"bootloader --location=mbr --password=grubpw\nbootloader --iscrypted --password=grub.pbkdf2.sha512.10000.AB\n" +
				"vnc --password=vncpw\niscsi --target=t --ipaddr=10.0.0.1 --user=u --password=p\nnetwork --bootproto=dhcp --plaintext\n",
			want: []Problem{
				{1, RulePlaintextPassword, "sshpw with a plaintext password"},
				{4, RulePlaintextPassword, "bootloader --password is plaintext"},
				{6, RulePlaintextPassword, "vnc --password is a plaintext password with no hashed form"},
				{7, RulePlaintextPassword, "iscsi CHAP passwords are plaintext"},
				{8, RulePlaintextPassword, "--plaintext: a password in the kickstart reaches the guest as is"},
			},
		},
		{
			name: "--plaintext in a script", versions: []string{"7"},
			ks:   "%post\n# --plaintext in a comment is fine\nfoo --plaintext bar\n%end\n%packages\n--plaintext\n%end\n",
			want: []Problem{{3, RulePlaintextPassword, "--plaintext in a %post script"}},
		},
		{
			name: "both rules on one line, CRLF endings", versions: []string{"stream8"},
			ks: "text\r\nrootpw --iscrypted --allow-ssh secret\r\n",
			want: []Problem{
				{2, RuleTooNew, "`rootpw --allow-ssh`"},
				{2, RulePlaintextPassword, "rootpw --iscrypted value is no crypt hash"},
			},
		},
		{
			name: "unparsable line", versions: []string{"stream9"},
			ks:   "text\nbootloader --append=\"console=ttyS0\n",
			want: []Problem{{2, RuleSyntax, "no closing quotation"}},
		},
	}
	for _, tc := range tests {
		for _, v := range tc.versions {
			t.Run(tc.name+"/"+v, func(t *testing.T) {
				got := Lint(mustDialect(t, v), []byte(tc.ks))
				if len(got) != len(tc.want) {
					t.Fatalf("got %d problems, want %d:\n%v", len(got), len(tc.want), got)
				}
				for i, err := range got {
					var p *Problem
					if !errors.As(err, &p) {
						t.Fatalf("%v is not a *Problem", err)
					}
					w := tc.want[i]
					if p.Line != w.Line || p.Rule != w.Rule || !strings.Contains(p.Message, w.Message) {
						t.Errorf("problem %d = %+v, want line %d, rule %s, message containing %q", i, *p, w.Line, w.Rule, w.Message)
					}
					if !strings.HasPrefix(err.Error(), "line ") {
						t.Errorf("error %q does not start with its line", err)
					}
				}
			})
		}
		for _, v := range tc.clean {
			t.Run(tc.name+"/clean-"+v, func(t *testing.T) {
				if got := Lint(mustDialect(t, v), []byte(tc.ks)); len(got) > 0 {
					t.Errorf("want no problems, got %v", got)
				}
			})
		}
	}
}

func TestLintError(t *testing.T) {
	d := mustDialect(t, "stream10")
	if err := LintError(d, []byte("text\n")); err != nil {
		t.Errorf("clean kickstart: %v", err)
	}
	err := LintError(d, []byte("install\nrootpw x\n"))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"kickstart does not suit CentOS Stream 10: ", "line 1: `install` was removed", "line 2: rootpw with a plaintext password"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	var p *Problem
	if !errors.As(err, &p) || p.Line != 1 {
		t.Errorf("the joined error does not unwrap to the first Problem: %v", p)
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{"rootpw --iscrypted $6$a$b", []string{"rootpw", "--iscrypted", "$6$a$b"}, ""},
		{`bootloader --append="console=tty0 console=ttyS0,115200"`, []string{"bootloader", "--append=console=tty0 console=ttyS0,115200"}, ""},
		{`sshkey --username=a "ssh-ed25519 AAAA me@host # not a comment"`, []string{"sshkey", "--username=a", "ssh-ed25519 AAAA me@host # not a comment"}, ""},
		{"rootpw abc#def", []string{"rootpw", "abc"}, ""},
		{"  network   --activate\t# comment", []string{"network", "--activate"}, ""},
		{`a 'single \ quoted' b\ c "d\"e\x"`, []string{"a", `single \ quoted`, "b c", `d"e\x`}, ""},
		{`x ""`, []string{"x", ""}, ""},
		{`x "open`, nil, "no closing quotation"},
		{`x \`, nil, "backslash at the end"},
	}
	for _, tc := range tests {
		got, err := splitArgs(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("splitArgs(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
