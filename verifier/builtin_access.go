package verifier

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// authorizedKeysExpectedCheck requires that every authorized_keys file of
// every account holds only the key verify logged in with, and the keys
// the spec allows: any other key is a way into every instance that nobody
// accounted for.
type authorizedKeysExpectedCheck struct {
	Meta
	// Allowed are keys the spec lets the image carry on purpose.
	Allowed []string
}

// Evaluate reads every authorized_keys file and names each key it does not
// expect.
func (c *authorizedKeysExpectedCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, authorizedKeysScript)
	if err != nil {
		return execError("read authorized_keys files", err)
	}
	return judgeExpectedKeys(res.Stdout, g.Facts().LoginKeys, c.Allowed)
}

func judgeExpectedKeys(stdout string, login, allowed []string) Verdict {
	var expected [][]byte
	for _, k := range append(append([]string(nil), login...), allowed...) {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err != nil {
			return Errorf("expected key %q is not a public key: %v", abbreviate(k), err)
		}
		expected = append(expected, pk.Marshal())
	}
	keys, err := readAuthorizedKeys(stdout)
	if err != nil {
		return Errorf("%v", err)
	}
	var other []string
	for _, k := range keys {
		if !containsKey(expected, k.key.Marshal()) {
			other = append(other, fmt.Sprintf("%s: %s %s (%s)", k.file, k.key.Type(), orWord(k.comment, "no comment"), ssh.FingerprintSHA256(k.key)))
		}
	}
	if len(other) > 0 {
		return Failf("expected only the key verify logs in with, got %d other authorized key(s): %s; "+
			"remove them in a provisioner, or list those meant to be there in settings { allowed_authorized_keys = [...] }",
			len(other), strings.Join(other, "; "))
	}
	return Pass()
}

// rootLoginLockedCheck requires that root has no usable password and that
// sshd neither takes passwords nor lets root log in with one.
type rootLoginLockedCheck struct {
	Meta
	// AllowPassword lets root have a password hash on purpose.
	AllowPassword bool
}

const rootLoginCommand = "getent shadow root; echo " + outputMarker + "; sshd -T 2>&1; true"

// Evaluate reads root's shadow entry and sshd's effective settings.
func (c *rootLoginLockedCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, rootLoginCommand)
	if err != nil {
		return execError("read root's password and sshd's settings", err)
	}
	return judgeRootLogin(res.Stdout, c.AllowPassword)
}

func judgeRootLogin(stdout string, allowPassword bool) Verdict {
	shadow, sshd, _ := strings.Cut(stdout, outputMarker+"\n")
	fields := strings.Split(strings.TrimSpace(shadow), ":")
	if len(fields) < 2 || fields[0] != "root" {
		return Errorf("getent shadow root printed no entry for root: %q", abbreviate(strings.TrimSpace(shadow)))
	}
	var problems []string
	switch hash := fields[1]; {
	case hash == "":
		problems = append(problems, "root has an empty password, so anyone at the console is root; lock it (passwd -l root, or rootpw --lock in the kickstart)")
	case strings.HasPrefix(hash, "!") || strings.HasPrefix(hash, "*"):
	case !allowPassword:
		problems = append(problems, fmt.Sprintf("root has a usable password (%s hash); lock it (passwd -l root, or rootpw --lock in the kickstart), "+
			"or set settings { allow_root_password = true } if that is intended", hashScheme(hash)))
	}
	settings := map[string]string{}
	for _, line := range strings.Split(sshd, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			settings[strings.ToLower(k)] = strings.ToLower(strings.TrimSpace(v))
		}
	}
	pw, okPW := settings["passwordauthentication"]
	root, okRoot := settings["permitrootlogin"]
	if !okPW || !okRoot {
		return Errorf("sshd -T did not report passwordauthentication and permitrootlogin: %s", abbreviate(firstLine(sshd)))
	}
	if pw != "no" {
		problems = append(problems, fmt.Sprintf("sshd takes passwords (PasswordAuthentication %s); set PasswordAuthentication no (cloud-init: ssh_pwauth: false)", pw))
	}
	if root == "yes" {
		problems = append(problems, "sshd lets root log in with a password (PermitRootLogin yes); set PermitRootLogin prohibit-password")
	}
	if len(problems) > 0 {
		return Failf("expected root's login locked, got: %s", strings.Join(problems, "; "))
	}
	return Pass()
}

// hashScheme names a crypt(3) hash by its prefix.
func hashScheme(hash string) string {
	for prefix, name := range map[string]string{"$6$": "SHA-512", "$5$": "SHA-256", "$y$": "yescrypt", "$2b$": "bcrypt", "$2y$": "bcrypt", "$1$": "MD5"} {
		if strings.HasPrefix(hash, prefix) {
			return name
		}
	}
	return "DES or unknown"
}

// noUnexpectedSudoersCheck requires a sudoers configuration sudo can parse
// (a broken one locks every admin out, and verify logs in as root, so
// nothing else would notice) and no passwordless sudo beyond the image's
// default cloud user and the accounts the spec names.
type noUnexpectedSudoersCheck struct {
	Meta
	// Allowed are accounts the spec lets have passwordless sudo.
	Allowed []string
}

// Evaluate reads visudo's verdict and every account's sudo rules.
func (c *noUnexpectedSudoersCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, sudoAccessScript)
	if err != nil {
		return execError("read sudo rules", err)
	}
	allowed := c.Allowed
	if u := g.Facts().LoginUser; u != "" {
		allowed = append(slices.Clone(allowed), u)
	}
	return judgeSudoers(res.Stdout, allowed)
}

func judgeSudoers(stdout string, allowed []string) Verdict {
	sections, _ := splitSections(stdout)
	var (
		visudo, defaultUser string
		problems            []string
	)
	for _, s := range sections {
		kind, arg, _ := strings.Cut(s.name, " ")
		switch kind {
		case "visudo":
			visudo = arg
			switch arg {
			case "absent":
				return Skipf("sudo is not installed")
			case "0":
			default:
				problems = append(problems, fmt.Sprintf("visudo -c finds the sudoers files broken, which locks every admin out: %s", abbreviate(oneLine(s.body))))
			}
		case "default":
			defaultUser = arg
		case "nopasswd":
			if arg == defaultUser || slices.Contains(allowed, arg) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s has passwordless sudo (%s); remove the account or its rule (generalize removes the build's own ssh_username), "+
				"or list it in settings { allowed_passwordless_sudo = [...] }", arg, abbreviate(oneLine(s.body))))
		}
	}
	if visudo == "" {
		return Errorf("the sudo probe printed no visudo verdict: %s", abbreviate(firstLine(stdout)))
	}
	if len(problems) > 0 {
		return Failf("expected sudoers that parse and no unexpected passwordless sudo, got: %s", strings.Join(problems, "; "))
	}
	return Pass()
}

// oneLine joins text's non-empty lines with " / ".
func oneLine(text string) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " / ")
}
