package verifier

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// packageIntegrityCheck requires that the installed packages' files are
// as the package database recorded them, and on RPM systems that every
// package is signed by a key the system trusts.
type packageIntegrityCheck struct {
	Meta
	// ConfigFiles reports changed configuration files too.
	ConfigFiles bool
}

// integrityBudget is how long reading every installed file may take: on
// an emulated CPU `rpm -Va` of a cloud image takes minutes.
const integrityBudget = 10 * time.Minute

const (
	rpmVerifyCommand = "rpm -Va --nodeps --noscripts 2>&1; true"
	// rpmSignaturesCommand prints each package with the signature rpm
	// finds first (header or payload, any algorithm), then the imported
	// keys' ids, after the marker.
	rpmSignaturesCommand = `rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\t` +
		`%|DSAHEADER?{%{DSAHEADER:pgpsig}}:{%|RSAHEADER?{%{RSAHEADER:pgpsig}}:{%|SIGGPG?{%{SIGGPG:pgpsig}}:{%|SIGPGP?{%{SIGPGP:pgpsig}}:{(none)}|}|}|}|\n'; ` +
		"echo " + outputMarker + "; rpm -q gpg-pubkey --qf '%{VERSION}\\n' 2>/dev/null; true"
	// dpkgVerifyCommand also prints dpkg's path filters: files a
	// path-exclude kept from being installed (docs, man pages, as in
	// minimal images) are reported missing, but were never there.
	dpkgVerifyCommand = "dpkg --verify 2>&1; echo " + outputMarker +
		"; cat /etc/dpkg/dpkg.cfg /etc/dpkg/dpkg.cfg.d/* 2>/dev/null | grep -E '^path-(ex|in)clude'; true"
)

// Evaluate verifies every package's files, and on RPM their signatures.
func (c *packageIntegrityCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	pm, err := g.PackageManager(ctx)
	if err != nil {
		return Errorf("%v", err)
	}
	verify := dpkgVerifyCommand
	if pm == RPM {
		verify = rpmVerifyCommand
	}
	res, err := g.Run(ctx, verify)
	if err != nil {
		return execError("verify installed packages", err)
	}
	verified, filters, _ := strings.Cut(res.Stdout, outputMarker+"\n")
	problems := judgeVerifyOutput(verified, c.ConfigFiles, parsePathFilters(filters))
	if pm == RPM {
		res, err := g.Run(ctx, rpmSignaturesCommand)
		if err != nil {
			return execError("read package signatures", err)
		}
		if p := judgeSignatures(res.Stdout); p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return Failf("expected installed packages as their package database records them, got: %s; "+
			"reinstall the packages, or find the provisioner that changed them", strings.Join(problems, "; "))
	}
	return Pass()
}

// verifyLine is one line of `rpm -Va` or `dpkg --verify`: nine attribute
// flags (or "missing"), the file's kind (c for configuration), its path.
var verifyLine = regexp.MustCompile(`^(missing|[SM5DLUGTP.?]{9})\s+(?:([cdglr])\s+)?(/.*)$`)

// judgeVerifyOutput names changed and missing files. An mtime of its own
// (T) is no change; ghost files (g) are not the package's content;
// configuration files count only when asked for.
func judgeVerifyOutput(stdout string, configFiles bool, filters pathFilters) []string {
	var changed, missing, other []string
	for _, line := range strings.Split(stdout, "\n") {
		line = strings.TrimRight(line, " ")
		if line == "" {
			continue
		}
		m := verifyLine.FindStringSubmatch(line)
		if m == nil {
			other = append(other, line)
			continue
		}
		flags, kind, file := m[1], m[2], m[3]
		if kind == "g" || kind == "c" && !configFiles {
			continue
		}
		if flags == "missing" {
			if !filters.excluded(file) {
				missing = append(missing, file)
			}
			continue
		}
		if what := changedAttrs(flags); what != "" {
			changed = append(changed, fmt.Sprintf("%s (%s)", file, what))
		}
	}
	var problems []string
	if len(changed) > 0 {
		problems = append(problems, fmt.Sprintf("%d changed: %s", len(changed), listSome(changed, 10)))
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%d missing: %s", len(missing), listSome(missing, 10)))
	}
	if len(other) > 0 {
		problems = append(problems, fmt.Sprintf("the verification reported: %s", abbreviate(strings.Join(other, " / "))))
	}
	return problems
}

// verifyFlags names rpm's verify flags, in their column order.
var verifyFlags = []struct {
	flag byte
	name string
}{
	{'S', "size"}, {'M', "mode"}, {'5', "digest"}, {'D', "device"}, {'L', "link"},
	{'U', "owner"}, {'G', "group"}, {'T', ""}, {'P', "capabilities"},
}

func changedAttrs(flags string) string {
	var what []string
	for i, a := range verifyFlags {
		if flags[i] == a.flag && a.name != "" {
			what = append(what, a.name)
		}
	}
	return strings.Join(what, ", ")
}

// keyIDPattern finds the key id in rpm's pgpsig output ("RSA/SHA256,
// <date>, Key ID 05b555b38483c65d").
var keyIDPattern = regexp.MustCompile(`Key ID ([0-9a-fA-F]+)`)

// judgeSignatures names packages without a signature, or signed by a key
// that is not imported; "" when all are signed by imported keys.
func judgeSignatures(stdout string) string {
	pkgs, keys, _ := strings.Cut(stdout, outputMarker+"\n")
	imported := map[string]bool{}
	for _, k := range strings.Fields(keys) {
		imported[strings.ToLower(k)] = true
	}
	var unsigned, unknown []string
	for _, line := range strings.Split(strings.TrimSpace(pkgs), "\n") {
		name, sig, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(name, "gpg-pubkey-") {
			continue
		}
		m := keyIDPattern.FindStringSubmatch(sig)
		if m == nil {
			unsigned = append(unsigned, name)
			continue
		}
		// gpg-pubkey's version is the last 8 hex digits of the key id.
		id := strings.ToLower(m[1])
		if !imported[id[max(0, len(id)-8):]] {
			unknown = append(unknown, fmt.Sprintf("%s (key %s)", name, id))
		}
	}
	var problems []string
	if len(unsigned) > 0 {
		problems = append(problems, fmt.Sprintf("%d unsigned package(s): %s", len(unsigned), listSome(unsigned, 10)))
	}
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("%d package(s) signed by a key that is not imported: %s (import it with rpm --import)", len(unknown), listSome(unknown, 10)))
	}
	return strings.Join(problems, "; ")
}

// pathFilters are dpkg's path-exclude and path-include options, in order:
// the last one that matches a path decides.
type pathFilters []struct {
	include bool
	glob    *regexp.Regexp
}

func parsePathFilters(text string) pathFilters {
	var out pathFilters
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || (k != "path-exclude" && k != "path-include") {
			continue
		}
		out = append(out, struct {
			include bool
			glob    *regexp.Regexp
		}{k == "path-include", fnmatch(strings.TrimSpace(v))})
	}
	return out
}

func (f pathFilters) excluded(p string) bool {
	excluded := false
	for _, r := range f {
		if r.glob.MatchString(p) {
			excluded = !r.include
		}
	}
	return excluded
}

// fnmatch turns a dpkg path glob into a regexp: dpkg matches with
// fnmatch(3) without FNM_PATHNAME, so * and ? also match "/".
func fnmatch(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			if j := strings.IndexByte(glob[i+1:], ']'); j >= 0 {
				class := glob[i+1 : i+1+j]
				if strings.HasPrefix(class, "!") {
					class = "^" + class[1:]
				}
				b.WriteString("[" + class + "]")
				i += j + 1
				continue
			}
			b.WriteString(`\[`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return regexp.MustCompile(`^` + regexp.QuoteMeta(glob) + `$`)
	}
	return re
}
