// Package isoimage makes and reads ISO 9660 images with xorriso: the small
// labelled CDs the plugin hands a guest (cloud-init's "cidata", Anaconda's
// "OEMDRV") and the files it takes out of an installer ISO.
package isoimage

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Write makes an ISO labelled label at path, holding files (name →
// content) at its root, mode 0600 since the content may be secret.
func Write(ctx context.Context, path, label string, files map[string][]byte) error {
	dir, err := os.MkdirTemp(filepath.Dir(path), "iso-")
	if err != nil {
		return fmt.Errorf("create staging dir for %s: %w", filepath.Base(path), err)
	}
	defer os.RemoveAll(dir)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	args := []string{"-as", "mkisofs", "-quiet", "-output", path, "-volid", label, "-joliet", "-rock"}
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o600); err != nil {
			return fmt.Errorf("stage %s for %s: %w", name, filepath.Base(path), err)
		}
		args = append(args, p)
	}
	if out, err := exec.CommandContext(ctx, "xorriso", args...).CombinedOutput(); err != nil {
		os.Remove(path)
		return fmt.Errorf("build %s ISO with xorriso: %w: %s", label, err, strings.TrimSpace(string(out)))
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("restrict %s: %w", path, err)
	}
	return nil
}

// VolumeID reads an ISO's volume identifier, which installers use to find
// their own medium (inst.stage2=hd:LABEL=...).
func VolumeID(ctx context.Context, path string) (string, error) {
	out, err := exec.CommandContext(ctx, "xorriso", "-indev", path, "-pvd_info").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("read volume id of %s: %w: %s", path, err, strings.TrimSpace(string(out)))
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "Volume Id" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("read volume id of %s: xorriso reported none", path)
}

// Extract copies the file at isoPath inside the ISO to dst.
func Extract(ctx context.Context, iso, isoPath, dst string) error {
	out, err := exec.CommandContext(ctx, "xorriso", "-osirrox", "on", "-indev", iso, "-extract", isoPath, dst).CombinedOutput()
	if err != nil {
		return fmt.Errorf("extract %s from %s: %w: %s", isoPath, iso, err, strings.TrimSpace(string(out)))
	}
	// xorriso keeps the ISO's read-only mode; the copy is ours to manage.
	if err := os.Chmod(dst, 0o644); err != nil {
		return fmt.Errorf("extract %s from %s: %w", isoPath, iso, err)
	}
	return nil
}
