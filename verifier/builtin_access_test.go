package verifier_test

import (
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestAuthorizedKeysExpected(t *testing.T) {
	_, login := newPublicKey(t, "packer-centos-verify")
	other, otherLine := newPublicKey(t, "admin@laptop")
	facts := verifier.Facts{LoginKeys: []string{login}}
	cmd := verifier.AuthorizedKeysScript
	runBuiltinCases(t, "authorized_keys_expected", []builtinCase{
		{
			name:  "only the login key, in root's and the default user's files",
			facts: facts,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ /root/.ssh/authorized_keys\n" + login +
				"\n\n@@verifier@@ /home/cloud-user/.ssh/authorized_keys\n# comment\n" + login + "\n\n")},
			status: verifier.StatusPass,
		},
		{
			name:  "a key nobody accounted for",
			facts: facts,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ /root/.ssh/authorized_keys\n" + login +
				"\n\n@@verifier@@ /var/lib/svc/.ssh/authorized_keys2\nfrom=\"10.0.0.1\" " + otherLine + "\n\n")},
			status: verifier.StatusFail,
			message: "expected only the key verify logs in with, got 1 other authorized key(s): /var/lib/svc/.ssh/authorized_keys2: ssh-ed25519 admin@laptop (" +
				ssh.FingerprintSHA256(other) + "); remove them in a provisioner, or list those meant to be there in settings { allowed_authorized_keys = [...] }",
		},
		{
			name:      "no login key known: every key is unexpected",
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ /root/.ssh/authorized_keys\n" + otherLine + "\n")},
			status:    verifier.StatusFail,
			message:   "got 1 other authorized key(s): /root/.ssh/authorized_keys: ssh-ed25519 admin@laptop",
		},
		{
			name:      "unreadable file",
			facts:     facts,
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@! /home/alice/.ssh/authorized_keys\n")},
			status:    verifier.StatusError,
			message:   "cannot read /home/alice/.ssh/authorized_keys",
		},
	})
}

func TestAuthorizedKeysExpectedAllowsSpecKeys(t *testing.T) {
	_, login := newPublicKey(t, "packer-centos-verify")
	_, ops := newPublicKey(t, "ops@bastion")
	s := builtinSettings()
	s.AllowedAuthorizedKeys = []string{ops}
	check := findBuiltin(t, s, "authorized_keys_expected")
	fake := newFake(map[string]verifier.ExecResult{
		verifier.AuthorizedKeysScript: out("@@verifier@@ /root/.ssh/authorized_keys\n" + login + "\n" + ops + "\n"),
	})
	assertResult(t, runOne(t, fake, verifier.Facts{LoginKeys: []string{login}}, check), verifier.StatusPass, "")
}

func TestRootLoginLocked(t *testing.T) {
	const cmd = "getent shadow root; echo @@verifier@@; sshd -T 2>&1; true"
	const sshdOK = "port 22\npermitrootlogin without-password\npasswordauthentication no\n"
	runBuiltinCases(t, "root_login_locked", []builtinCase{
		{name: "locked", responses: map[string]verifier.ExecResult{cmd: out("root:!*:19000:0:99999:7:::\n@@verifier@@\n" + sshdOK)}, status: verifier.StatusPass},
		{name: "no password hash (CentOS's *)", responses: map[string]verifier.ExecResult{cmd: out("root:*:19000:0:99999:7:::\n@@verifier@@\n" + sshdOK)}, status: verifier.StatusPass},
		{
			name:      "a usable password",
			responses: map[string]verifier.ExecResult{cmd: out("root:$6$salt$hash:19000:0:99999:7:::\n@@verifier@@\n" + sshdOK)},
			status:    verifier.StatusFail,
			message: "expected root's login locked, got: root has a usable password (SHA-512 hash); lock it (passwd -l root, or rootpw --lock in the kickstart), " +
				"or set settings { allow_root_password = true } if that is intended",
		},
		{
			name:      "an empty password",
			responses: map[string]verifier.ExecResult{cmd: out("root::19000:0:99999:7:::\n@@verifier@@\n" + sshdOK)},
			status:    verifier.StatusFail,
			message:   "root has an empty password, so anyone at the console is root",
		},
		{
			name: "sshd takes passwords and root logins (CentOS 7's defaults)",
			responses: map[string]verifier.ExecResult{cmd: out("root:!!:19000:0:99999:7:::\n@@verifier@@\n" +
				"permitrootlogin yes\npasswordauthentication yes\n")},
			status: verifier.StatusFail,
			message: "expected root's login locked, got: sshd takes passwords (PasswordAuthentication yes); set PasswordAuthentication no (cloud-init: ssh_pwauth: false); " +
				"sshd lets root log in with a password (PermitRootLogin yes); set PermitRootLogin prohibit-password",
		},
		{
			name:      "sshd cannot say",
			responses: map[string]verifier.ExecResult{cmd: out("root:!:19000::::::\n@@verifier@@\nsshd: no hostkeys available -- exiting.\n")},
			status:    verifier.StatusError,
			message:   "sshd -T did not report passwordauthentication and permitrootlogin: sshd: no hostkeys available -- exiting.",
		},
	})
}

func TestRootLoginLockedAllowsAPasswordOnRequest(t *testing.T) {
	s := builtinSettings()
	s.AllowRootPassword = true
	fake := newFake(map[string]verifier.ExecResult{
		"getent shadow root; echo @@verifier@@; sshd -T 2>&1; true": out("root:$6$salt$hash:1::::::\n@@verifier@@\npermitrootlogin prohibit-password\npasswordauthentication no\n"),
	})
	assertResult(t, runOne(t, fake, verifier.Facts{}, findBuiltin(t, s, "root_login_locked")), verifier.StatusPass, "")
}

func TestNoUnexpectedSudoers(t *testing.T) {
	cmd := verifier.SudoAccessScript
	const visudoOK = "@@verifier@@ visudo 0\n/etc/sudoers: parsed OK\n/etc/sudoers.d/90-cloud-init-users: parsed OK\n"
	const defaultUser = "@@verifier@@ default cloud-user\n"
	runBuiltinCases(t, "no_unexpected_sudoers", []builtinCase{
		{
			name: "only the default cloud user",
			responses: map[string]verifier.ExecResult{cmd: out(visudoOK + defaultUser +
				"@@verifier@@ nopasswd cloud-user\n    (ALL) NOPASSWD: ALL\n")},
			status: verifier.StatusPass,
		},
		{
			name: "the build's account is still there",
			responses: map[string]verifier.ExecResult{cmd: out(visudoOK + defaultUser +
				"@@verifier@@ nopasswd cloud-user\n    (ALL) NOPASSWD: ALL\n@@verifier@@ nopasswd packer\n    (ALL) NOPASSWD: ALL\n")},
			status: verifier.StatusFail,
			message: "expected sudoers that parse and no unexpected passwordless sudo, got: packer has passwordless sudo ((ALL) NOPASSWD: ALL); " +
				"remove the account or its rule (generalize removes the build's own ssh_username), or list it in settings { allowed_passwordless_sudo = [...] }",
		},
		{
			name: "broken sudoers",
			responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ visudo 1\n/etc/sudoers.d/app: syntax error near line 1 <<<\nparse error in /etc/sudoers.d/app near line 1\n" +
				defaultUser)},
			status:  verifier.StatusFail,
			message: "visudo -c finds the sudoers files broken, which locks every admin out: /etc/sudoers.d/app: syntax error near line 1 <<< / parse error in /etc/sudoers.d/app near line 1",
		},
		{name: "no sudo", responses: map[string]verifier.ExecResult{cmd: out("@@verifier@@ visudo absent\n")}, status: verifier.StatusSkip, message: "sudo is not installed"},
	})
}

// verify's own login, when its seed made one, has the sudo rule the seed
// gave it.
func TestNoUnexpectedSudoersAllowsTheLoginAccount(t *testing.T) {
	fake := newFake(map[string]verifier.ExecResult{
		verifier.SudoAccessScript: out("@@verifier@@ visudo 0\n@@verifier@@ default centos\n@@verifier@@ nopasswd auditor\n    (ALL) NOPASSWD:ALL\n"),
	})
	check := builtinCheck(t, "no_unexpected_sudoers")
	assertResult(t, runOne(t, fake, verifier.Facts{LoginUser: "auditor"}, check), verifier.StatusPass, "")
	assertResult(t, runOne(t, fake, verifier.Facts{}, check), verifier.StatusFail, "auditor has passwordless sudo")
}

func TestNoUnexpectedSudoersAllowsSpecAccounts(t *testing.T) {
	s := builtinSettings()
	s.AllowedPasswordlessSudo = []string{"ansible"}
	fake := newFake(map[string]verifier.ExecResult{
		verifier.SudoAccessScript: out("@@verifier@@ visudo 0\n@@verifier@@ default \n@@verifier@@ nopasswd ansible\n    (ALL) NOPASSWD: ALL\n"),
	})
	assertResult(t, runOne(t, fake, verifier.Facts{}, findBuiltin(t, s, "no_unexpected_sudoers")), verifier.StatusPass, "")
}
