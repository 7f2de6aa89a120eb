package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestUserCheck(t *testing.T) {
	const (
		getent = "getent passwd centos"
		idG    = "id -Gn centos"
	)
	entry := out("centos:x:1000:1000:Cloud User:/home/centos:/bin/bash\n")
	runCheckCases(t, []checkCase{
		{
			name: "matches",
			src: `check "user" "centos" {
  uid    = 1000
  shell  = "/bin/bash"
  home   = "/home/centos"
  groups = ["wheel", "centos"]
}`,
			responses: map[string]verifier.ExecResult{getent: entry, idG: out("centos wheel adm\n")},
			status:    verifier.StatusPass,
		},
		{
			name: "missing group",
			src: `check "user" "centos" {
  groups = ["wheel", "docker"]
}`,
			responses: map[string]verifier.ExecResult{getent: entry, idG: out("centos wheel\n")},
			status:    verifier.StatusFail,
			message:   "expected member of docker, got groups centos, wheel",
		},
		{
			name: "wrong uid",
			src: `check "user" "centos" {
  uid = 1001
}`,
			responses: map[string]verifier.ExecResult{getent: entry},
			status:    verifier.StatusFail,
			message:   "expected uid 1001, got 1000",
		},
		{
			name: "wrong shell",
			src: `check "user" "centos" {
  shell = "/sbin/nologin"
}`,
			responses: map[string]verifier.ExecResult{getent: entry},
			status:    verifier.StatusFail,
			message:   "expected shell /sbin/nologin, got /bin/bash",
		},
		{
			name:      "no such user",
			src:       `check "user" "centos" {}`,
			responses: map[string]verifier.ExecResult{getent: exit(2, "", "")},
			status:    verifier.StatusFail,
			message:   "expected user centos to exist, got no such user",
		},
		{
			name: "must not exist and does not",
			src: `check "user" "centos" {
  exists = false
}`,
			responses: map[string]verifier.ExecResult{getent: exit(2, "", "")},
			status:    verifier.StatusPass,
		},
		{
			name: "must not exist but does",
			src: `check "user" "centos" {
  exists = false
}`,
			responses: map[string]verifier.ExecResult{getent: entry},
			status:    verifier.StatusFail,
			message:   "expected no user centos, got uid 1000",
		},
	})
}

func TestGroupCheck(t *testing.T) {
	const getent = "getent group wheel"
	entry := out("wheel:x:10:centos,admin\n")
	runCheckCases(t, []checkCase{
		{
			name: "matches",
			src: `check "group" "wheel" {
  gid     = 10
  members = ["admin"]
}`,
			responses: map[string]verifier.ExecResult{getent: entry},
			status:    verifier.StatusPass,
		},
		{
			name: "missing member",
			src: `check "group" "wheel" {
  members = ["bob"]
}`,
			responses: map[string]verifier.ExecResult{getent: out("wheel:x:10:\n")},
			status:    verifier.StatusFail,
			message:   "expected members bob, got no members",
		},
		{
			name: "wrong gid",
			src: `check "group" "wheel" {
  gid = 11
}`,
			responses: map[string]verifier.ExecResult{getent: entry},
			status:    verifier.StatusFail,
			message:   "expected gid 11, got 10",
		},
		{
			name:      "no such group",
			src:       `check "group" "wheel" {}`,
			responses: map[string]verifier.ExecResult{getent: exit(2, "", "")},
			status:    verifier.StatusFail,
			message:   "expected group wheel to exist, got no such group",
		},
		{
			name: "must not exist and does not",
			src: `check "group" "wheel" {
  exists = false
}`,
			responses: map[string]verifier.ExecResult{getent: exit(2, "", "")},
			status:    verifier.StatusPass,
		},
	})
}
