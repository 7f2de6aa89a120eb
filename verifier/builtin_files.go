package verifier

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// sensitiveFileModesCheck requires that the files guarding secrets and the
// way in are no more open than the distribution ships them, and that
// nothing under /etc, /usr or /boot is world-writable.
type sensitiveFileModesCheck struct{ Meta }

// fileRule is the most a file may allow: mode bits beyond Mask, another
// owner, or a group outside Groups break it.
type fileRule struct {
	Mask   uint32
	Groups []string
}

func (r fileRule) String() string {
	return fmt.Sprintf("%04o root:%s", r.Mask, strings.Join(r.Groups, " or root:"))
}

// fileRules are what each distribution family ships: CentOS (RPM) keeps
// shadow unreadable even to its group and sshd_config private; Debian
// gives shadow to group shadow and leaves sshd_config readable.
var fileRules = map[PackageManager]map[string]fileRule{
	RPM: {
		"shadow":      {0o000, []string{"root"}},
		"host key":    {0o640, []string{"root", "ssh_keys"}},
		"sudoers":     {0o440, []string{"root"}},
		"sshd config": {0o600, []string{"root"}},
	},
	Dpkg: {
		"shadow":      {0o640, []string{"shadow"}},
		"host key":    {0o600, []string{"root"}},
		"sudoers":     {0o440, []string{"root"}},
		"sshd config": {0o644, []string{"root"}},
	},
}

// fileKind sorts a path the script reports into its rule.
func fileKind(p string) string {
	switch {
	case p == "/etc/shadow" || p == "/etc/gshadow":
		return "shadow"
	case strings.HasPrefix(p, "/etc/ssh/ssh_host_"):
		return "host key"
	case p == "/etc/sudoers" || path.Dir(p) == "/etc/sudoers.d":
		return "sudoers"
	default:
		return "sshd config"
	}
}

// Evaluate reads the modes and looks for world-writable files.
func (c *sensitiveFileModesCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	pm, err := g.PackageManager(ctx)
	if err != nil {
		return Errorf("%v", err)
	}
	res, err := g.Run(ctx, sensitiveFilesScript)
	if err != nil {
		return execError("read file modes", err)
	}
	return judgeFileModes(res.Stdout, fileRules[pm])
}

func judgeFileModes(stdout string, rules map[string]fileRule) Verdict {
	modes, writable, _ := strings.Cut(stdout, outputMarker+"\n")
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(modes), "\n") {
		f := strings.SplitN(line, " ", 4)
		if len(f) != 4 {
			continue
		}
		mode, err := strconv.ParseUint(f[0], 8, 32)
		if err != nil {
			return Errorf("unexpected stat output %q", line)
		}
		owner, group, p := f[1], f[2], f[3]
		rule := rules[fileKind(p)]
		if uint32(mode)&^rule.Mask != 0 || owner != "root" || !slices.Contains(rule.Groups, group) {
			problems = append(problems, fmt.Sprintf("%s is %04o %s:%s, at most %s", p, mode, owner, group, rule))
		}
	}
	var open []string
	for _, p := range strings.Split(strings.TrimSpace(writable), "\n") {
		if p != "" {
			open = append(open, p)
		}
	}
	if len(open) > 0 {
		problems = append(problems, fmt.Sprintf("world-writable: %s", listSome(open, 10)))
	}
	if len(problems) > 0 {
		return Failf("expected sensitive files no more open than the distribution ships them, got: %s; "+
			"fix the modes with chmod/chown in a provisioner", strings.Join(problems, "; "))
	}
	return Pass()
}

// listSome joins the first n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// noInstallerLeftoversCheck requires that the installer's copies of the
// kickstart (which hold password hashes), its logs, and the files the
// build served over HTTP are not in the image.
type noInstallerLeftoversCheck struct{ Meta }

// installerLeftovers are the paths Anaconda leaves behind.
var installerLeftovers = []string{
	"/root/anaconda-ks.cfg", "/root/original-ks.cfg", "/root/anaconda-post.log",
	"/root/ks.cfg", "/root/ks-post.log", "/var/log/anaconda",
}

// leftoverDirs are where copies of served files would be looked for.
var leftoverDirs = []string{"/", "/root", "/tmp", "/var/tmp", "/etc"}

// leftoversCommand lists which of the installer's paths exist, and any file
// in leftoverDirs named like one the build served.
func leftoversCommand(served []string) string {
	var b strings.Builder
	b.WriteString("for f in")
	for _, p := range installerLeftovers {
		b.WriteString(" " + p)
	}
	b.WriteString(`; do [ -e "$f" ] && echo "$f"; done`)
	for _, name := range served {
		name = path.Base(name)
		if name == "." || name == "/" {
			continue
		}
		for _, d := range leftoverDirs {
			f := path.Join(d, name)
			b.WriteString(fmt.Sprintf(`; [ -f %s ] && echo %s`, shellquote.Quote(f), shellquote.Quote(f)))
		}
	}
	b.WriteString("; true")
	return b.String()
}

// Evaluate looks for each leftover.
func (c *noInstallerLeftoversCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, leftoversCommand(g.Facts().ServedFiles))
	if err != nil {
		return execError("look for installer leftovers", err)
	}
	var found []string
	for _, p := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if p != "" && !slices.Contains(found, p) {
			found = append(found, p)
		}
	}
	if len(found) > 0 {
		return Failf("expected no installer leftovers, got %s; the kickstart copies hold password hashes: "+
			"enable generalize's logfiles operation, or delete them in %%post or a provisioner", strings.Join(found, ", "))
	}
	return Pass()
}

// networkNotPinnedCheck requires that no network configuration is bound
// to a MAC address this machine does not have: verify boots with a MAC of
// its own, so a configuration pinned to the build VM's shows.
type networkNotPinnedCheck struct{ Meta }

// Evaluate lists pinned MACs and compares them with this machine's.
func (c *networkNotPinnedCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, networkPinsScript)
	if err != nil {
		return execError("look for network configuration bound to a MAC", err)
	}
	return judgeNetworkPins(res.Stdout)
}

func judgeNetworkPins(stdout string) Verdict {
	pins, own, _ := strings.Cut(stdout, outputMarker+"\n")
	mine := map[string]bool{}
	for _, m := range strings.Fields(own) {
		mine[strings.ToLower(m)] = true
	}
	var foreign []string
	for _, line := range strings.Split(strings.TrimSpace(pins), "\n") {
		file, mac, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if mac = strings.ToLower(mac); !mine[mac] && mac != "00:00:00:00:00:00" {
			foreign = append(foreign, fmt.Sprintf("%s (%s)", file, mac))
		}
	}
	if len(foreign) > 0 {
		return Failf("expected no network configuration bound to another machine's MAC, got %s; this machine's: %s; "+
			"an instance with another MAC would not bring that interface up: enable generalize's net-hwaddr and udev-persistent-net operations",
			strings.Join(foreign, ", "), orWord(strings.Join(strings.Fields(own), ", "), "none"))
	}
	return Pass()
}
