package cloudinit

import _ "embed"

// DefaultUserShell defines the POSIX sh function default_user, which
// prints the name of the image's cloud-init default_user (CentOS's
// cloud-user, Debian's debian) as its configuration sets it. Scripts run
// in the guest that need it have it prepended.
//
//go:embed default_user.sh
var DefaultUserShell string
