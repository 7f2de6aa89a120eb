package verifier

import (
	"embed"
	"fmt"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
)

// The built-ins that need more than a line of shell run these scripts
// (POSIX sh, for CentOS 7 to Stream 10 and the Debian stand-in); `make
// lint` runs shellcheck on them.
//
//go:embed scripts/*.sh
var scripts embed.FS

// script is the embedded script name as the command a check sends: its
// leading comment block, which is for readers of the file, stays behind.
func script(name string) string {
	b, err := scripts.ReadFile("scripts/" + name)
	if err != nil {
		panic(fmt.Sprintf("verifier: no embedded script %s", name))
	}
	s := string(b)
	for strings.HasPrefix(s, "#") {
		_, s, _ = strings.Cut(s, "\n")
	}
	return s
}

// Scripts the built-ins send, read once.
var (
	authorizedKeysScript = script("authorized_keys.sh")
	sensitiveFilesScript = script("sensitive_files.sh")
	networkPinsScript    = script("network_pins.sh")
	sudoAccessScript     = cloudinit.DefaultUserShell + script("sudo_access.sh")
	bakedSecretsScript   = script("baked_secrets.sh")
)
