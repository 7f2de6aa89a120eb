package verifier_test

import (
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestFileCheck(t *testing.T) {
	const (
		statMotd = `[ -e /etc/motd ] || [ -L /etc/motd ] || { echo absent; exit 0; }; stat -c '%F|%a|%U|%G|%u|%g' -- /etc/motd`
		readMotd = "head -c 4194305 -- /etc/motd"
		sumMotd  = "sha256sum -- /etc/motd"
		digest   = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	)
	regular := out("regular file|644|root|wheel|0|10\n")
	runCheckCases(t, []checkCase{
		{
			name: "metadata matches",
			src: `check "file" "/etc/motd" {
  type  = "file"
  mode  = "0644"
  owner = "root"
  group = "wheel"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular},
			status:    verifier.StatusPass,
		},
		{
			name: "numeric owner and group",
			src: `check "file" "/etc/motd" {
  owner = "0"
  group = "10"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular},
			status:    verifier.StatusPass,
		},
		{
			name: "wrong mode",
			src: `check "file" "/etc/motd" {
  mode = "0600"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular},
			status:    verifier.StatusFail,
			message:   "expected mode 0600, got 0644",
		},
		{
			name: "setuid mode",
			src: `check "file" "/etc/motd" {
  mode = "4755"
}`,
			responses: map[string]verifier.ExecResult{statMotd: out("regular file|4755|root|root|0|0\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "wrong owner",
			src: `check "file" "/etc/motd" {
  owner = "centos"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular},
			status:    verifier.StatusFail,
			message:   "expected owner centos, got root (uid 0)",
		},
		{
			name: "wrong group",
			src: `check "file" "/etc/motd" {
  group = "root"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular},
			status:    verifier.StatusFail,
			message:   "expected group root, got wheel (gid 10)",
		},
		{
			name: "wrong type",
			src: `check "file" "/etc/motd" {
  type = "file"
}`,
			responses: map[string]verifier.ExecResult{statMotd: out("symbolic link|777|root|root|0|0\n")},
			status:    verifier.StatusFail,
			message:   "expected type file, got symlink",
		},
		{
			name:      "missing",
			src:       `check "file" "/etc/motd" {}`,
			responses: map[string]verifier.ExecResult{statMotd: out("absent\n")},
			status:    verifier.StatusFail,
			message:   "expected /etc/motd to exist, got no such file",
		},
		{
			name: "must be absent and is",
			src: `check "file" "/etc/motd" {
  exists = false
}`,
			responses: map[string]verifier.ExecResult{statMotd: out("absent\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "must be absent but is a directory",
			src: `check "file" "/etc/motd" {
  exists = false
}`,
			responses: map[string]verifier.ExecResult{statMotd: out("directory|755|root|root|0|0\n")},
			status:    verifier.StatusFail,
			message:   "expected no /etc/motd, got a directory",
		},
		{
			name: "contains and not_contains",
			src: `check "file" "/etc/motd" {
  contains     = ["Welcome", "line two\nline three"]
  not_contains = ["password"]
}`,
			responses: map[string]verifier.ExecResult{
				statMotd: regular,
				readMotd: out("Welcome\nline two\nline three\n"),
			},
			status: verifier.StatusPass,
		},
		{
			name: "does not contain",
			src: `check "file" "/etc/motd" {
  contains = ["Goodbye"]
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular, readMotd: out("Welcome\n")},
			status:    verifier.StatusFail,
			message:   `expected content to contain "Goodbye", got no match`,
		},
		{
			name: "contains a forbidden string",
			src: `check "file" "/etc/motd" {
  not_contains = ["password"]
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular, readMotd: out("root password is hunter2\n")},
			status:    verifier.StatusFail,
			message:   `expected content not to contain "password", got a match`,
		},
		{
			name: "too large to search",
			src: `check "file" "/etc/motd" {
  contains = ["x"]
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular, readMotd: out(strings.Repeat("y", 4<<20+1))},
			status:    verifier.StatusError,
			message:   "larger than 4 MiB",
		},
		{
			name: "contains on a directory",
			src: `check "file" "/etc/motd" {
  contains = ["x"]
}`,
			responses: map[string]verifier.ExecResult{statMotd: out("directory|755|root|root|0|0\n")},
			status:    verifier.StatusFail,
			message:   "got a directory",
		},
		{
			name: "digest matches",
			src: `check "file" "/etc/motd" {
  sha256 = "` + strings.ToUpper(digest) + `"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular, sumMotd: out(digest + "  /etc/motd\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "digest differs",
			src: `check "file" "/etc/motd" {
  sha256 = "` + digest + `"
}`,
			responses: map[string]verifier.ExecResult{statMotd: regular, sumMotd: out(strings.Repeat("0", 64) + "  /etc/motd\n")},
			status:    verifier.StatusFail,
			message:   "expected sha256 " + digest + ", got 0000",
		},
		{
			name: "hostile path is quoted",
			src:  `check "file" "/tmp/it's $(reboot)" {}`,
			responses: map[string]verifier.ExecResult{
				`[ -e '/tmp/it'\''s $(reboot)' ] || [ -L '/tmp/it'\''s $(reboot)' ] || { echo absent; exit 0; }; ` +
					`stat -c '%F|%a|%U|%G|%u|%g' -- '/tmp/it'\''s $(reboot)'`: regular,
			},
			status: verifier.StatusPass,
		},
	})
}
