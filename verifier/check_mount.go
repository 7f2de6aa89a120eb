package verifier

import (
	"context"
	"path"
	"strconv"
	"strings"
)

// MountCheck verifies what is mounted at a mount point.
type MountCheck struct {
	Meta
	// Source and FSType, when set, must equal the kernel's view of the
	// mount (as /proc/self/mounts shows it, e.g. "/dev/vda1", "xfs").
	Source, FSType string
	// Options lists mount options that must all be present ("ro",
	// "noexec", "size=512m").
	Options []string
}

var mountType = checkType{
	name: "mount",
	attrs: []attrDef{
		{name: "source", kind: kindString},
		{name: "fstype", kind: kindString},
		{name: "options", kind: kindStringList},
	},
	validateName: absolutePath,
	build: func(m Meta, r *attrReader) Check {
		return &MountCheck{Meta: m, Source: r.str("source"), FSType: r.str("fstype"), Options: r.list("options")}
	},
}

// mountsCommand reads the mount table directly rather than through
// findmnt, whose output format differs between util-linux versions.
const mountsCommand = "cat /proc/self/mounts"

// mountEntry is one line of /proc/self/mounts.
type mountEntry struct {
	source, target, fstype string
	options                []string
}

func parseMounts(text string) []mountEntry {
	var out []mountEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		out = append(out, mountEntry{
			source:  unescapeMountField(f[0]),
			target:  unescapeMountField(f[1]),
			fstype:  f[2],
			options: strings.Split(f[3], ","),
		})
	}
	return out
}

// unescapeMountField undoes the kernel's octal escapes (\040 for space).
func unescapeMountField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Evaluate reads the mount table and finds the mount point.
func (c *MountCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, mountsCommand)
	if err != nil {
		return execError("read mounts", err)
	}
	if res.ExitStatus != 0 {
		return Errorf("read mounts: %s", firstLine(res.Stderr))
	}
	return c.judge(parseMounts(res.Stdout))
}

func (c *MountCheck) judge(mounts []mountEntry) Verdict {
	target := path.Clean(c.Name)
	var found *mountEntry
	// The last entry for a target is the one on top, the one visible.
	for i := range mounts {
		if mounts[i].target == target {
			found = &mounts[i]
		}
	}
	switch {
	case found == nil:
		return Failf("expected a mount at %s, got none", target)
	case c.Source != "" && found.source != c.Source:
		return Failf("expected source %s, got %s", c.Source, found.source)
	case c.FSType != "" && found.fstype != c.FSType:
		return Failf("expected fstype %s, got %s", c.FSType, found.fstype)
	}
	if missing := missingFrom(c.Options, found.options); len(missing) > 0 {
		return Failf("expected options %s, got %s", strings.Join(missing, ","), strings.Join(found.options, ","))
	}
	return Pass()
}
