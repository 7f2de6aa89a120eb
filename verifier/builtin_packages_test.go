package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

const (
	rpmVerifyCmd = "rpm -Va --nodeps --noscripts 2>&1; true"
	rpmSigsCmd   = `rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\t` +
		`%|DSAHEADER?{%{DSAHEADER:pgpsig}}:{%|RSAHEADER?{%{RSAHEADER:pgpsig}}:{%|SIGGPG?{%{SIGGPG:pgpsig}}:{%|SIGPGP?{%{SIGPGP:pgpsig}}:{(none)}|}|}|}|\n'; ` +
		"echo @@verifier@@; rpm -q gpg-pubkey --qf '%{VERSION}\\n' 2>/dev/null; true"
	dpkgVerifyCmd = "dpkg --verify 2>&1; echo @@verifier@@; " +
		"cat /etc/dpkg/dpkg.cfg /etc/dpkg/dpkg.cfg.d/* 2>/dev/null | grep -E '^path-(ex|in)clude'; true"
)

func TestPackageIntegrity(t *testing.T) {
	const signed = "bash-5.1.8-9.el9.x86_64\tRSA/SHA256, Mon 12 Aug 2024 07:38:22 AM UTC, Key ID 05b555b38483c65d\n" +
		"gpg-pubkey-8483c65d-5ccc5b19.(none)\t(none)\n@@verifier@@\n8483c65d\n"
	rpm := func(verify, sigs string) map[string]verifier.ExecResult {
		return map[string]verifier.ExecResult{probeCmd: out(centosRelease), rpmVerifyCmd: out(verify), rpmSigsCmd: out(sigs)}
	}
	dpkg := func(verify string) map[string]verifier.ExecResult {
		return map[string]verifier.ExecResult{probeCmd: out(ubuntuRelease), dpkgVerifyCmd: out(verify)}
	}
	runBuiltinCases(t, "package_integrity", []builtinCase{
		{
			name: "only config files, ghosts and mtimes changed (rpm)",
			responses: rpm("S.5....T.  c /etc/ssh/sshd_config\n.M.......  g /run/cloud-init\n.......T.    /usr/lib/os-release\n"+
				"missing   c /etc/sysconfig/kdump\n", signed),
			status: verifier.StatusPass,
		},
		{
			name:      "a changed binary and a missing library (rpm)",
			responses: rpm("S.5....T.    /usr/bin/sudo\n..5...GT.    /usr/sbin/sshd\nmissing     /usr/lib64/libfoo.so.1\n", signed),
			status:    verifier.StatusFail,
			message: "expected installed packages as their package database records them, got: 2 changed: /usr/bin/sudo (size, digest), " +
				"/usr/sbin/sshd (digest, group); 1 missing: /usr/lib64/libfoo.so.1; reinstall the packages, or find the provisioner that changed them",
		},
		{
			name: "unsigned and foreign-signed packages (rpm)",
			responses: rpm("", "bash-5.1.8-9.el9.x86_64\tRSA/SHA256, Mon 12 Aug 2024 07:38:22 AM UTC, Key ID 05b555b38483c65d\n"+
				"myapp-1.0-1.x86_64\t(none)\nepel-release-9-7.el9.noarch\tRSA/SHA256, Tue 01 Oct 2024, Key ID 8a3872bf3228467c\n@@verifier@@\n8483c65d\n"),
			status: verifier.StatusFail,
			message: "got: 1 unsigned package(s): myapp-1.0-1.x86_64; 1 package(s) signed by a key that is not imported: " +
				"epel-release-9-7.el9.noarch (key 8a3872bf3228467c) (import it with rpm --import)",
		},
		{name: "clean (dpkg)", responses: dpkg("@@verifier@@\n"), status: verifier.StatusPass},
		{
			name: "files path-exclude kept out were never installed (dpkg, a minimal image)",
			responses: dpkg("missing     /usr/share/doc/bash/CHANGES.gz\nmissing     /usr/share/man/man1/bash.1.gz\n" +
				"missing     /usr/share/doc/bash/copyright\nmissing     /usr/bin/rbash\n@@verifier@@\n" +
				"path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude=/usr/share/man/*\n"),
			status:  verifier.StatusFail,
			message: "got: 2 missing: /usr/share/doc/bash/copyright, /usr/bin/rbash;",
		},
		{
			name:      "a changed binary, config files not asked for (dpkg)",
			responses: dpkg("??5??????   /usr/bin/ls\n??5?????? c /etc/default/grub\n@@verifier@@\n"),
			status:    verifier.StatusFail,
			message:   "got: 1 changed: /usr/bin/ls (digest);",
		},
		{
			name:      "the tool complains",
			responses: dpkg("dpkg: error: cannot access archive\n@@verifier@@\n"),
			status:    verifier.StatusFail,
			message:   "the verification reported: dpkg: error: cannot access archive",
		},
	})
}

func TestPackageIntegrityConfigFilesOnRequest(t *testing.T) {
	s := builtinSettings()
	s.VerifyConfigFiles = true
	fake := newFake(map[string]verifier.ExecResult{probeCmd: out(ubuntuRelease), dpkgVerifyCmd: out("??5?????? c /etc/default/grub\n@@verifier@@\n")})
	res := runOne(t, fake, verifier.Facts{}, findBuiltin(t, s, "package_integrity"))
	assertResult(t, res, verifier.StatusFail, "1 changed: /etc/default/grub (digest)")
}
