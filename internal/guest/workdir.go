package guest

import (
	"fmt"
	"os"
)

// MakeWorkDir creates a private directory for a guest's disk, seed and
// console log under $TMPDIR. Mode 0711: nobody may list it, but qemu, which
// libvirt runs as its own user, must reach the files inside.
func MakeWorkDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("create working directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("restrict working directory: %w", err)
	}
	return dir, nil
}
