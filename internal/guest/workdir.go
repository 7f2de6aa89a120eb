package guest

import (
	"fmt"
	"os"
	"path/filepath"
)

// WorkDir is a private directory for a guest's disk, seed and console log
// under $TMPDIR.
type WorkDir string

// MakeWorkDir creates a WorkDir. Mode 0711: nobody may list it, but qemu,
// which libvirt runs as its own user, must reach the files inside.
func MakeWorkDir(prefix string) (WorkDir, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("create working directory: %w", err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("restrict working directory: %w", err)
	}
	return WorkDir(dir), nil
}

// Path is the path of name inside the directory.
func (d WorkDir) Path(name string) string { return filepath.Join(string(d), name) }

// Remove deletes the directory and everything in it, reporting a failure;
// an empty WorkDir is nothing to remove.
func (d WorkDir) Remove(ui UI) {
	if d == "" {
		return
	}
	if err := os.RemoveAll(string(d)); err != nil {
		ui.Error(fmt.Sprintf("Could not remove working directory %s: %v", d, err))
	}
}
