package verifier

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// FileCheck verifies a path's existence, type, ownership, permissions and
// content. Metadata is that of the path itself: a symlink is not followed
// for type, mode and owner, but is followed for contents and sha256.
type FileCheck struct {
	Meta
	// Exists is whether the path must exist (default true).
	Exists bool
	// Mode, when set, is the required permission bits (e.g. 0644, 04755).
	Mode *uint32
	// Owner and Group, when set, are a user/group name or numeric id.
	Owner, Group string
	// Contains lists substrings that must all appear in the content.
	Contains []string
	// NotContains lists substrings that must not appear in the content.
	NotContains []string
	// SHA256, when set, is the required content digest in lowercase hex.
	SHA256 string
	// FileType, when set, is "file", "directory" or "symlink".
	FileType string
}

// maxContentBytes bounds what a contains check reads from the guest so a
// mistaken path (a disk image, a log) cannot exhaust memory.
const maxContentBytes = 4 << 20

var (
	modePattern   = regexp.MustCompile(`^0?[0-7]{3,4}$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
)

var fileType = checkType{
	name: "file",
	attrs: []attrDef{
		{name: "exists", kind: kindBool},
		{name: "type", kind: kindString},
		{name: "mode", kind: kindString},
		{name: "owner", kind: kindString},
		{name: "group", kind: kindString},
		{name: "contains", kind: kindStringList},
		{name: "not_contains", kind: kindStringList},
		{name: "sha256", kind: kindString},
	},
	validateName: absolutePath,
	build: func(m Meta, r *attrReader) Check {
		c := &FileCheck{
			Meta:        m,
			Exists:      r.boolean("exists", true),
			Owner:       r.str("owner"),
			Group:       r.str("group"),
			Contains:    r.list("contains"),
			NotContains: r.list("not_contains"),
			SHA256:      strings.ToLower(r.str("sha256")),
			FileType:    r.str("type"),
		}
		r.oneOf("type", "file", "directory", "symlink")
		if r.has("mode") {
			s := r.str("mode")
			if !modePattern.MatchString(s) {
				r.errorf("mode", "expected an octal mode such as \"0644\", got %q", s)
			} else {
				m, _ := strconv.ParseUint(s, 8, 32)
				mode := uint32(m)
				c.Mode = &mode
			}
		}
		if r.has("sha256") && !sha256Pattern.MatchString(c.SHA256) {
			r.errorf("sha256", "expected 64 hexadecimal digits, got %q", r.str("sha256"))
		}
		r.requireExistsFor("type", "mode", "owner", "group", "contains", "not_contains", "sha256")
		return c
	},
}

// fileInfo is what stat reported about a path.
type fileInfo struct {
	exists       bool
	kind         string // file, directory, symlink, or stat's own words
	mode         uint32
	owner, group string
	uid, gid     string
}

func fileStatCommand(p string) string {
	q := shellquote.Quote(p)
	return fmt.Sprintf("[ -e %s ] || [ -L %s ] || { echo absent; exit 0; }; stat -c '%%F|%%a|%%U|%%G|%%u|%%g' -- %s", q, q, q)
}

func parseFileStat(res ExecResult) (fileInfo, error) {
	out := strings.TrimSpace(res.Stdout)
	if out == "absent" {
		return fileInfo{}, nil
	}
	f := strings.Split(out, "|")
	if res.ExitStatus != 0 || len(f) != 6 {
		return fileInfo{}, fmt.Errorf("stat: unexpected result (exit %d): %s", res.ExitStatus, firstLine(res.Stderr+"\n"+out))
	}
	mode, err := strconv.ParseUint(f[1], 8, 32)
	if err != nil {
		return fileInfo{}, fmt.Errorf("stat: bad mode %q", f[1])
	}
	kind := f[0]
	switch kind {
	case "regular file", "regular empty file":
		kind = "file"
	case "symbolic link":
		kind = "symlink"
	}
	return fileInfo{exists: true, kind: kind, mode: uint32(mode), owner: f[2], group: f[3], uid: f[4], gid: f[5]}, nil
}

func fileContentCommand(p string) string {
	return fmt.Sprintf("head -c %d -- %s", maxContentBytes+1, shellquote.Quote(p))
}

func fileDigestCommand(p string) string {
	return "sha256sum -- " + shellquote.Quote(p)
}

// Evaluate stats the path, then reads content or digest only if asked to.
func (c *FileCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	res, err := g.Run(ctx, fileStatCommand(c.Name))
	if err != nil {
		return execError("stat", err)
	}
	info, err := parseFileStat(res)
	if err != nil {
		return Errorf("%v", err)
	}
	if v := c.judgeInfo(info); v.Status != StatusPass || !info.exists {
		return v
	}
	if len(c.Contains)+len(c.NotContains) > 0 {
		if info.kind == "directory" {
			return Failf("expected a file to search for content, got a directory")
		}
		res, err := g.Run(ctx, fileContentCommand(c.Name))
		if err != nil {
			return execError("read file", err)
		}
		if res.ExitStatus != 0 {
			return Errorf("read file: %s", firstLine(res.Stderr))
		}
		if v := c.judgeContent(res.Stdout); v.Status != StatusPass {
			return v
		}
	}
	if c.SHA256 != "" {
		res, err := g.Run(ctx, fileDigestCommand(c.Name))
		if err != nil {
			return execError("sha256sum", err)
		}
		if res.ExitStatus != 0 {
			return Errorf("sha256sum: %s", firstLine(res.Stderr))
		}
		got, _, _ := strings.Cut(strings.TrimSpace(res.Stdout), " ")
		if got != c.SHA256 {
			return Failf("expected sha256 %s, got %s", c.SHA256, got)
		}
	}
	return Pass()
}

func (c *FileCheck) judgeInfo(info fileInfo) Verdict {
	switch {
	case !c.Exists && info.exists:
		return Failf("expected no %s, got a %s", c.Name, info.kind)
	case !c.Exists:
		return Pass()
	case !info.exists:
		return Failf("expected %s to exist, got no such file", c.Name)
	case c.FileType != "" && info.kind != c.FileType:
		return Failf("expected type %s, got %s", c.FileType, info.kind)
	case c.Mode != nil && info.mode != *c.Mode:
		return Failf("expected mode %04o, got %04o", *c.Mode, info.mode)
	case c.Owner != "" && c.Owner != info.owner && c.Owner != info.uid:
		return Failf("expected owner %s, got %s (uid %s)", c.Owner, info.owner, info.uid)
	case c.Group != "" && c.Group != info.group && c.Group != info.gid:
		return Failf("expected group %s, got %s (gid %s)", c.Group, info.group, info.gid)
	}
	return Pass()
}

func (c *FileCheck) judgeContent(content string) Verdict {
	if len(content) > maxContentBytes {
		return Errorf("file is larger than %d MiB; contains and not_contains only read files up to that size", maxContentBytes>>20)
	}
	for _, s := range c.Contains {
		if !strings.Contains(content, s) {
			return Failf("expected content to contain %q, got no match", s)
		}
	}
	for _, s := range c.NotContains {
		if strings.Contains(content, s) {
			return Failf("expected content not to contain %q, got a match", s)
		}
	}
	return Pass()
}
