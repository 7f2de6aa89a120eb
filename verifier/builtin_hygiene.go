package verifier

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// freshnessSlack allows for the wall clock being stepped (NTP) between the
// moment a file was written at boot and the moment btime is read. Anything
// baked into the image is far older than this.
const freshnessSlack = 30 * time.Second

// hostKeysFreshCheck requires SSH host keys generated on this boot, so
// every instance of the image gets its own.
type hostKeysFreshCheck struct{ Meta }

const hostKeysCommand = `for f in /etc/ssh/ssh_host_*_key; do [ -e "$f" ] && stat -c '%Y %n' -- "$f"; done; true`

// fileTime is a path with its modification time.
type fileTime struct {
	path  string
	mtime time.Time
}

func parseFileTimes(stdout string) ([]fileTime, error) {
	var out []fileTime
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		secs, p, ok := strings.Cut(line, " ")
		n, err := strconv.ParseInt(secs, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("unexpected stat output %q", line)
		}
		out = append(out, fileTime{path: p, mtime: time.Unix(n, 0)})
	}
	return out, nil
}

// Evaluate compares each host key's mtime with the boot time.
func (c *hostKeysFreshCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	boot, err := g.BootTime(ctx)
	if err != nil {
		return Errorf("%v", err)
	}
	res, err := g.Run(ctx, hostKeysCommand)
	if err != nil {
		return execError("stat host keys", err)
	}
	keys, err := parseFileTimes(res.Stdout)
	if err != nil {
		return Errorf("stat host keys: %v", err)
	}
	return judgeHostKeys(keys, boot)
}

func judgeHostKeys(keys []fileTime, boot time.Time) Verdict {
	if len(keys) == 0 {
		return Failf("expected SSH host keys in /etc/ssh, got none")
	}
	var stale []string
	for _, k := range keys {
		if k.mtime.Before(boot.Add(-freshnessSlack)) {
			stale = append(stale, fmt.Sprintf("%s (%s)", k.path, k.mtime.UTC().Format(time.RFC3339)))
		}
	}
	if len(stale) > 0 {
		return Failf("expected host keys generated after boot at %s, got keys from the image: %s",
			boot.UTC().Format(time.RFC3339), strings.Join(stale, ", "))
	}
	return Pass()
}

// machineIDFreshCheck requires /etc/machine-id generated on this boot; a
// machine ID baked into the image would be shared by every instance.
type machineIDFreshCheck struct{ Meta }

const machineIDCommand = "cat /etc/machine-id; echo " + outputMarker + "; stat -c %Y /etc/machine-id"

var machineIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Evaluate reads the ID and its mtime.
func (c *machineIDFreshCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	boot, err := g.BootTime(ctx)
	if err != nil {
		return Errorf("%v", err)
	}
	res, err := g.Run(ctx, machineIDCommand)
	if err != nil {
		return execError("read /etc/machine-id", err)
	}
	return judgeMachineID(res, boot)
}

func judgeMachineID(res ExecResult, boot time.Time) Verdict {
	id, stamp, ok := strings.Cut(res.Stdout, outputMarker)
	id = strings.TrimSpace(id)
	secs, err := strconv.ParseInt(strings.TrimSpace(stamp), 10, 64)
	switch {
	case !ok || err != nil:
		return Failf("expected /etc/machine-id, got %s", orWord(firstLine(res.Stderr), "no file"))
	case id == "":
		return Failf("expected a machine ID, got an empty /etc/machine-id")
	case !machineIDPattern.MatchString(id):
		return Failf("expected a machine ID of 32 lowercase hex digits, got %q", abbreviate(id))
	}
	if mtime := time.Unix(secs, 0); mtime.Before(boot.Add(-freshnessSlack)) {
		return Failf("expected /etc/machine-id written after boot at %s, got one from the image written %s",
			boot.UTC().Format(time.RFC3339), mtime.UTC().Format(time.RFC3339))
	}
	return Pass()
}

// homeDirsLoop visits root's and every /home user's home, reporting homes
// it cannot enter rather than silently finding nothing there. body runs
// with $d set to the home directory.
func homeDirsLoop(body string) string {
	return `for d in /root /home/*; do [ -d "$d" ] || continue; ` +
		`if [ ! -x "$d" ]; then echo "` + outputMarker + `! $d"; continue; fi; ` + body + `; done; true`
}

// tempKeyAbsentCheck requires that none of the caller's forbidden public
// keys (the build's temporary key) is still authorized.
type tempKeyAbsentCheck struct{ Meta }

var authorizedKeysCommand = homeDirsLoop(`f="$d/.ssh/authorized_keys"; ` +
	`if [ -r "$f" ]; then echo "` + outputMarker + ` $f"; cat -- "$f"; ` +
	`elif [ -e "$f" ]; then echo "` + outputMarker + `! $f"; fi`)

// Evaluate reads every authorized_keys file and looks for forbidden keys.
func (c *tempKeyAbsentCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	forbidden := g.Facts().ForbiddenKeys
	if len(forbidden) == 0 {
		return Skipf("no temporary key was given to look for")
	}
	res, err := g.Run(ctx, authorizedKeysCommand)
	if err != nil {
		return execError("read authorized_keys", err)
	}
	return judgeAuthorizedKeys(res.Stdout, forbidden)
}

func judgeAuthorizedKeys(stdout string, forbidden []string) Verdict {
	var wire [][]byte
	for i, k := range forbidden {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err != nil {
			return Errorf("forbidden key %d is not a public key: %v", i+1, err)
		}
		wire = append(wire, pk.Marshal())
	}
	keys, err := readAuthorizedKeys(stdout)
	if err != nil {
		return Errorf("%v", err)
	}
	var found []string
	for _, k := range keys {
		if containsKey(wire, k.key.Marshal()) {
			found = append(found, fmt.Sprintf("%s (%s)", k.file, ssh.FingerprintSHA256(k.key)))
		}
	}
	if len(found) > 0 {
		return Failf("expected the temporary build key to be removed, got it authorized in %s", strings.Join(found, ", "))
	}
	return Pass()
}

// foundKey is one public key in an authorized_keys file.
type foundKey struct {
	file    string
	key     ssh.PublicKey
	comment string
}

// readAuthorizedKeys reads the keys in a listing of authorized_keys files
// (a section per file); lines that hold no key, such as comments, are
// passed over.
func readAuthorizedKeys(stdout string) ([]foundKey, error) {
	sections, unreadable := splitSections(stdout)
	if len(unreadable) > 0 {
		return nil, fmt.Errorf("cannot read %s; run as root or with sudo", strings.Join(unreadable, ", "))
	}
	var keys []foundKey
	for _, s := range sections {
		for _, line := range strings.Split(s.body, "\n") {
			if pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
				keys = append(keys, foundKey{file: s.name, key: pk, comment: comment})
			}
		}
	}
	return keys, nil
}

func containsKey(keys [][]byte, k []byte) bool {
	for _, e := range keys {
		if bytes.Equal(e, k) {
			return true
		}
	}
	return false
}

// section is one file's content in a compound command's output.
type section struct{ name, body string }

// splitSections splits output made of "@@verifier@@ NAME" headers each
// followed by content, and collects "@@verifier@@! NAME" lines naming what
// could not be read.
func splitSections(stdout string) (sections []section, unreadable []string) {
	for _, line := range strings.Split(stdout, "\n") {
		switch {
		case strings.HasPrefix(line, outputMarker+"! "):
			unreadable = append(unreadable, strings.TrimPrefix(line, outputMarker+"! "))
		case strings.HasPrefix(line, outputMarker+" "):
			sections = append(sections, section{name: strings.TrimPrefix(line, outputMarker+" ")})
		case len(sections) > 0:
			sections[len(sections)-1].body += line + "\n"
		}
	}
	return sections, unreadable
}

// noShellHistoryCheck requires that no shell history was left behind by
// the build (it can hold passwords and tokens typed during provisioning).
type noShellHistoryCheck struct{ Meta }

var shellHistoryCommand = homeDirsLoop(
	`for f in .bash_history .history .zsh_history; do [ -s "$d/$f" ] && echo "` + outputMarker + ` $d/$f"; done`)

// Evaluate lists non-empty history files.
func (c *noShellHistoryCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, shellHistoryCommand)
	if err != nil {
		return execError("look for shell history", err)
	}
	found, unreadable := splitSections(res.Stdout)
	if len(unreadable) > 0 {
		return Errorf("cannot read %s; run as root or with sudo", strings.Join(unreadable, ", "))
	}
	if len(found) > 0 {
		names := make([]string, len(found))
		for i, f := range found {
			names[i] = f.name
		}
		return Failf("expected no shell history, got %s", strings.Join(names, ", "))
	}
	return Pass()
}

// noAVCDenialsCheck requires that nothing was denied by SELinux since boot;
// a denial on first boot usually means a file was left with a wrong label.
type noAVCDenialsCheck struct{ Meta }

// avcDenialsCommand prefers the audit log and falls back to the journal
// where auditd is not installed; the first line says which was read.
// --input-logs: without it ausearch reads its standard input whenever
// that is not a terminal, as over SSH, and finds nothing there. Denials
// logged before auditd started went to the kernel log only, which
// follows the marker.
const avcDenialsCommand = "if command -v ausearch >/dev/null 2>&1; then echo ausearch; " +
	"ausearch --input-logs -m AVC,USER_AVC -ts boot 2>&1; echo " + outputMarker + "; " +
	"journalctl -k -b -q --no-pager 2>&1 | grep -E 'avc: +denied'; " +
	"else echo journal; journalctl -b -q --no-pager 2>&1 | grep -E 'avc: +denied'; fi; true"

// Evaluate skips guests without SELinux, then searches for denials.
func (c *noAVCDenialsCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	mode, err := selinuxMode(ctx, g)
	if err != nil {
		return execError("getenforce", err)
	}
	if mode == "disabled" {
		return Skipf("SELinux is disabled")
	}
	res, err := g.Run(ctx, avcDenialsCommand)
	if err != nil {
		return execError("search for AVC denials", err)
	}
	return judgeAVCDenials(res.Stdout)
}

func judgeAVCDenials(stdout string) Verdict {
	source, out, _ := strings.Cut(stdout, "\n")
	audit, kernel, _ := strings.Cut(out, outputMarker+"\n")
	var denials []string
	for _, line := range strings.Split(audit+"\n"+kernel, "\n") {
		if strings.Contains(line, "avc:") && strings.Contains(line, "denied") {
			denials = append(denials, strings.TrimSpace(line))
		}
	}
	switch {
	case len(denials) > 0:
		return Failf("expected no AVC denials since boot, got %d, first: %s; "+
			"a file with a wrong label is the usual cause: restorecon -Rv the path, or relabel the image",
			len(denials), describeDenial(denials[0]))
	case source == "ausearch" && strings.TrimSpace(audit) != "" &&
		!strings.Contains(audit, "<no matches>") && !strings.Contains(audit, "type="):
		// ausearch printed something that is neither a denial nor
		// "<no matches>": most likely it could not read the audit log.
		return Errorf("ausearch: %s", firstLine(audit))
	}
	return Pass()
}

// avcField finds one key=value of an AVC record; values may be quoted.
var avcField = regexp.MustCompile(`\b(comm|name|path|scontext|tcontext|tclass|permissive)=("[^"]*"|\S+)`)

// avcPermissions is the denied permissions' list: "{ read write }".
var avcPermissions = regexp.MustCompile(`denied\s+\{([^}]*)\}`)

// describeDenial says who was denied what on which object: "sshd (sshd_t)
// denied read on file motd (auditd_log_t)", with ", permissive" when the
// access went through anyway. A line it cannot read is shown as it is.
func describeDenial(line string) string {
	f := map[string]string{}
	for _, m := range avcField.FindAllStringSubmatch(line, -1) {
		if _, seen := f[m[1]]; !seen {
			f[m[1]] = strings.Trim(m[2], `"`)
		}
	}
	perms := avcPermissions.FindStringSubmatch(line)
	if perms == nil || f["scontext"] == "" || f["tcontext"] == "" {
		return abbreviate(line)
	}
	object := f["path"] // the whole path where the record has it
	if object == "" {
		object = f["name"]
	}
	if object != "" {
		object += " "
	}
	d := fmt.Sprintf("%s (%s) denied %s on %s %s(%s)", f["comm"], contextType(f["scontext"]),
		strings.Join(strings.Fields(perms[1]), " "), f["tclass"], object, contextType(f["tcontext"]))
	if f["permissive"] == "1" {
		d += ", permissive"
	}
	return strings.TrimSpace(d)
}

// contextType is the type of an SELinux context user:role:type:level.
func contextType(ctx string) string {
	parts := strings.Split(ctx, ":")
	if len(parts) < 3 {
		return ctx
	}
	return parts[2]
}
