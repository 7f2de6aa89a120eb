package verifier_test

import (
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

func TestPortCheck(t *testing.T) {
	tcp := out(`LISTEN 0      128          0.0.0.0:22        0.0.0.0:*
LISTEN 0      128             [::]:22           [::]:*
LISTEN 0      4096       127.0.0.1:631       0.0.0.0:*
`)
	udp := out(`UNCONN 0      0      127.0.0.53%lo:53        0.0.0.0:*
UNCONN 0      0      [fe80::1%eth0]:123      [::]:*
`)
	runCheckCases(t, []checkCase{
		{
			name: "listening",
			src: `check "port" "ssh" {
  port = 22
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnt": tcp},
			status:    verifier.StatusPass,
		},
		{
			name: "not listening",
			src: `check "port" "http" {
  port = 80
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnt": tcp},
			status:    verifier.StatusFail,
			message:   "expected tcp port 80 listening, got not listening",
		},
		{
			name: "must not listen and does not",
			src: `check "port" "telnet" {
  port      = 23
  listening = false
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnt": tcp},
			status:    verifier.StatusPass,
		},
		{
			name: "must not listen but does",
			src: `check "port" "cups" {
  port      = 631
  listening = false
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnt": tcp},
			status:    verifier.StatusFail,
			message:   "expected tcp port 631 not listening, got listening on 127.0.0.1",
		},
		{
			name: "address with zone",
			src: `check "port" "dns" {
  port     = 53
  protocol = "udp"
  address  = "127.0.0.53"
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnu": udp},
			status:    verifier.StatusPass,
		},
		{
			name: "ipv6 address",
			src: `check "port" "ntp" {
  port     = 123
  protocol = "udp"
  address  = "[fe80::0001]"
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnu": udp},
			status:    verifier.StatusPass,
		},
		{
			name: "bound elsewhere",
			src: `check "port" "cups" {
  port    = 631
  address = "0.0.0.0"
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnt": tcp},
			status:    verifier.StatusFail,
			message:   "expected tcp port 631 on 0.0.0.0 listening, got not listening",
		},
		{
			name: "ss missing",
			src: `check "port" "ssh" {
  port = 22
}`,
			responses: map[string]verifier.ExecResult{"ss -Hlnt": exit(127, "", "sh: ss: not found")},
			status:    verifier.StatusError,
			message:   "ss exited 127",
		},
	})
}
