package kickstart

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Rules of Lint, as found in Problem.Rule.
const (
	// RuleRemoved: a command or option the dialect's installer removed.
	RuleRemoved = "removed"
	// RuleTooNew: a command or option that came after the dialect.
	RuleTooNew = "too-new"
	// RulePlaintextPassword: a password the guest would receive as is.
	RulePlaintextPassword = "plaintext-password"
	// RuleSyntax: a line the installer could not split into words.
	RuleSyntax = "syntax"
)

// Problem is one finding of Lint.
type Problem struct {
	// Line is the 1-based line number in the kickstart.
	Line int
	// Rule is one of the Rule constants.
	Rule string
	// Message says what is wrong and what to do instead.
	Message string
}

// Error implements error.
func (p *Problem) Error() string {
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// sectionHeaders open the kickstart sections; each ends with %end.
var sectionHeaders = []string{"%packages", "%pre", "%pre-install", "%post", "%onerror", "%traceback", "%addon", "%anaconda", "%certificate"}

// Lint checks a rendered kickstart, generated or the user's, against the
// dialect and returns one *Problem per finding, in line order:
//   - commands and options the dialect's installer removed (install on
//     Stream 9 and later, auth/authconfig on Stream 10, unsupported_hardware
//     and %packages --nobase on Stream 8 and later, ...) or does not have
//     yet (rootpw --allow-ssh before Stream 9, ...);
//   - plaintext passwords: rootpw, user and sshpw without --iscrypted,
//     an --iscrypted value that is no crypt hash, bootloader --password
//     without --iscrypted, vnc/rdp/iscsi passwords (they have no hashed
//     form), and --plaintext on any line, scripts included.
//
// Section bodies (%packages, %post, ...) are not read as commands: a
// script's own `install -m 0644 ...` is fine. Files pulled in with
// %include are not read.
func Lint(d Dialect, ks []byte) []error {
	var problems []error
	report := func(line int, rule, format string, a ...any) {
		problems = append(problems, &Problem{Line: line, Rule: rule, Message: fmt.Sprintf(format, a...)})
	}
	section := ""
	for i, line := range strings.Split(strings.ReplaceAll(string(ks), "\r\n", "\n"), "\n") {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		first := strings.Fields(trimmed)[0]
		if section != "" {
			// Like the installer, only %end or another header leaves a
			// section; everything else belongs to it.
			switch {
			case first == "%end":
				section = ""
				continue
			case !slices.Contains(sectionHeaders, first):
				if section != "%packages" && slices.Contains(strings.Fields(trimmed), "--plaintext") {
					report(n, RulePlaintextPassword, "--plaintext in a %s script: a password in the kickstart reaches the guest as is; set it from a hash, e.g. `usermod -p '<$6$ hash>'`", section)
				}
				continue
			}
		}
		args, err := splitArgs(line)
		if err != nil {
			report(n, RuleSyntax, "%v", err)
			continue
		}
		if len(args) == 0 {
			continue
		}
		switch {
		case args[0] == "%include" || args[0] == "%ksappend" || args[0] == "%end":
			continue
		case slices.Contains(sectionHeaders, args[0]):
			section = args[0]
		case strings.HasPrefix(args[0], "%"):
			// An unknown section; the installer rejects it, not our business.
			section = args[0]
		}
		for _, p := range d.lintCommand(args) {
			report(n, p.rule, "%s", p.msg)
		}
		if msg := plaintextPassword(args); msg != "" {
			report(n, RulePlaintextPassword, "%s", msg)
		}
	}
	return problems
}

// LintError joins Lint's problems into one error, nil when there are none.
func LintError(d Dialect, ks []byte) error {
	problems := Lint(d, ks)
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("kickstart does not suit %s: %w", d.Name, errors.Join(problems...))
}

type finding struct{ rule, msg string }

// lintCommand checks a command (or section header) and its options against
// the dialect's changes.
func (d Dialect) lintCommand(args []string) []finding {
	var out []finding
	cmd := args[0]
	if c := d.change(cmd, ""); c != nil {
		out = append(out, c.finding(d, "`"+cmd+"`"))
		return out
	}
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, _, _ := strings.Cut(a, "=")
		for i := range changes {
			c := &changes[i]
			if c.command != cmd || c.option == "" || !abbreviates(name, c.option) {
				continue
			}
			if d.change(cmd, c.option) != nil {
				out = append(out, c.finding(d, "`"+cmd+" "+c.option+"`"))
			}
		}
	}
	return out
}

func (c *change) finding(d Dialect, what string) finding {
	if c.removed != 0 && d.RHEL >= c.removed {
		return finding{RuleRemoved, fmt.Sprintf("%s was removed in RHEL %d, so %s's installer rejects it; %s", what, c.removed, d.Name, c.fix)}
	}
	return finding{RuleTooNew, fmt.Sprintf("%s came with RHEL %d, so %s's installer rejects it; %s", what, c.added, d.Name, c.fix)}
}

// abbreviates tells whether the option word name (e.g. "--iscrypt") means
// full (e.g. "--iscrypted"): the installer's option parser accepts any
// unambiguous prefix. Two letters after the dashes are required, which is
// enough to tell apart the options this lint looks for.
func abbreviates(name, full string) bool {
	return len(name) >= 4 && strings.HasPrefix(full, name)
}

// plaintextPassword returns why a command line carries a plaintext
// password, or "".
func plaintextPassword(args []string) string {
	cmd, opts := args[0], args[1:]
	has := func(full string) bool {
		return slices.ContainsFunc(opts, func(a string) bool {
			name, _, _ := strings.Cut(a, "=")
			return strings.HasPrefix(a, "--") && abbreviates(name, full)
		})
	}
	crypted := has("--iscrypted")
	plain := has("--plaintext")
	const fixHash = "give a SHA-512 crypt hash with --iscrypted (`openssl passwd -6`), or let the builder hash root_password/user passwords"
	switch cmd {
	case "rootpw":
		pw := positional(opts, nil)
		switch {
		case plain || (len(pw) > 0 && !crypted):
			return "rootpw with a plaintext password; " + fixHash + ", or use `rootpw --lock`"
		case crypted && len(pw) == 0:
			return "rootpw --iscrypted without a hash; give one, or use `rootpw --lock`"
		case crypted && !looksHashed(pw[0]):
			return "rootpw --iscrypted value is no crypt hash (it does not start with '$'), so it may be a plaintext password; " + fixHash
		}
	case "user":
		pw, set := optionValue(opts, "--password")
		switch {
		case plain || (set && !crypted):
			return "user with a plaintext --password; " + fixHash
		case crypted && set && pw == "":
			return "user --iscrypted with an empty --password; give a hash or drop both options"
		case crypted && set && !looksHashed(pw):
			return "user --iscrypted --password value is no crypt hash (it does not start with '$'), so it may be a plaintext password; " + fixHash
		}
	case "sshpw":
		if has("--sshkey") {
			break
		}
		pw := positional(opts, []string{"--username"})
		switch {
		case plain || (len(pw) > 0 && !crypted):
			return "sshpw with a plaintext password; give a hash with --iscrypted or use --sshkey"
		case crypted && len(pw) > 0 && !looksHashed(pw[0]):
			return "sshpw --iscrypted value is no crypt hash (it does not start with '$'); " + fixHash
		}
	case "bootloader":
		if _, set := optionValue(opts, "--password"); set && !crypted {
			return "bootloader --password is plaintext; give a grub2-mkpasswd-pbkdf2 hash with --iscrypted"
		}
	case "vnc", "rdp":
		if _, set := optionValue(opts, "--password"); set {
			return cmd + " --password is a plaintext password with no hashed form; drop it (the builder shows the guest's serial console instead)"
		}
	case "iscsi":
		_, set := optionValue(opts, "--password")
		_, rset := optionValue(opts, "--reverse-password")
		if set || rset {
			return "iscsi CHAP passwords are plaintext with no hashed form; use a target without CHAP"
		}
	}
	if plain {
		return "--plaintext: a password in the kickstart reaches the guest as is; " + fixHash
	}
	return ""
}

// looksHashed accepts the crypt(3) "$id$..." forms. Old 13-character DES
// hashes are refused on purpose: they are indistinguishable from a
// plaintext password.
func looksHashed(s string) bool {
	return strings.HasPrefix(s, "$")
}

// optionValue finds option full (or an abbreviation) as "--opt=value" or
// "--opt value".
func optionValue(opts []string, full string) (value string, set bool) {
	for i, a := range opts {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, v, hasEq := strings.Cut(a, "=")
		if !abbreviates(name, full) {
			continue
		}
		if hasEq {
			return v, true
		}
		if i+1 < len(opts) {
			return opts[i+1], true
		}
		return "", true
	}
	return "", false
}

// positional returns the words that are not options, skipping the values
// of the options in withValue when given as a separate word.
func positional(opts []string, withValue []string) []string {
	var out []string
	for i := 0; i < len(opts); i++ {
		a := opts[i]
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
			continue
		}
		if strings.Contains(a, "=") {
			continue
		}
		if slices.ContainsFunc(withValue, func(full string) bool { return abbreviates(a, full) }) {
			i++
		}
	}
	return out
}

// splitArgs splits a command line into words the way the installer does
// (Python's shlex.split with comments): single and double quotes, backslash
// escapes, and '#' outside quotes ending the line.
func splitArgs(line string) ([]string, error) {
	var (
		args    []string
		cur     strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range line {
		switch {
		case escaped:
			// Inside double quotes a backslash escapes only '"' and '\'.
			if quote == '"' && r != '"' && r != '\\' {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '#':
			if inWord {
				args = append(args, cur.String())
			}
			return args, nil
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	switch {
	case quote != 0:
		return nil, fmt.Errorf("no closing quotation (%c)", quote)
	case escaped:
		return nil, fmt.Errorf("backslash at the end of the line escapes nothing")
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args, nil
}
