//go:build e2e

package e2e

import (
	"encoding/json"
	"os/exec"
	"testing"
)

type imageInfo struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual-size"`
	BackingFile string `json:"backing-filename"`
	Compression string
}

func qemuImgInfo(t *testing.T, path string) imageInfo {
	t.Helper()
	out, err := exec.Command("qemu-img", "info", "--output=json", path).Output()
	if err != nil {
		t.Fatalf("qemu-img info %s: %v", path, err)
	}
	var raw struct {
		imageInfo
		Specific struct {
			Data struct {
				CompressionType string `json:"compression-type"`
			} `json:"data"`
		} `json:"format-specific"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	info := raw.imageInfo
	info.Compression = raw.Specific.Data.CompressionType
	return info
}
