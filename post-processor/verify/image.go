package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/builder/libvirt"
	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// image is the disk image under verification.
type image struct {
	path   string
	format string
	// sha256 is taken before the guest boots; it must not change.
	sha256 string
}

// locateImage finds the disk image in an artifact: from the state of a
// centos-libvirt artifact, or among any other builder's files (such as
// packer-plugin-qemu's) the first qcow2, else the first .raw or .img file.
func locateImage(ctx context.Context, a packersdk.Artifact) (image, error) {
	if a.BuilderId() == libvirt.BuilderID {
		path, _ := a.State(libvirt.StateImagePath).(string)
		format, _ := a.State(libvirt.StateFormat).(string)
		sum, _ := a.State(libvirt.StateSHA256).(string)
		if path != "" && format != "" {
			return image{path: path, format: format, sha256: sum}, nil
		}
	}
	var raw string
	for _, f := range a.Files() {
		info, err := qemuimg.ReadInfo(ctx, f)
		if err != nil {
			continue
		}
		if info.Format == "qcow2" {
			return image{path: f, format: "qcow2"}, nil
		}
		ext := strings.ToLower(filepath.Ext(f))
		if raw == "" && info.Format == "raw" && (ext == ".raw" || ext == ".img") {
			raw = f
		}
	}
	if raw != "" {
		return image{path: raw, format: "raw"}, nil
	}
	return image{}, fmt.Errorf("the artifact of %s has no qcow2 or raw (.raw, .img) disk image among its files %v", a.BuilderId(), a.Files())
}

// sha256File hashes a file.
func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("checksum %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkImageUnchanged proves the image is exactly what it was before the
// run: verification must never modify what it verifies.
func (r *verifyRun) checkImageUnchanged() error {
	if r.image.path == "" || r.image.sha256 == "" {
		return nil
	}
	after, err := sha256File(r.image.path)
	if err != nil {
		return err
	}
	if after != r.image.sha256 {
		return fmt.Errorf("the image changed during verification: sha256 %s before, %s after", r.image.sha256, after)
	}
	return nil
}
