// Package artifact is the contract between the centos-libvirt builder and
// the post-processors that read what it made: the builder's id, the keys
// of its artifact's state, and Read, which finds the disk image in the
// artifact of any builder. Both sides import it; it imports nothing of
// theirs.
package artifact

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/qemuimg"
)

// BuilderID identifies artifacts made by the centos-libvirt builder.
const BuilderID = "packer-centos.libvirt"

// Keys of a centos-libvirt artifact's State.
const (
	StateImagePath   = "image_path"
	StateFormat      = "format"
	StateSHA256      = "sha256"
	StateSourceImage = "source_image"
	// StateSourceImageName is the file name of the image the build
	// started from (a preset's dated name), StateSourceCompose its
	// compose id when a preset chose it.
	StateSourceImageName = "source_image_name"
	StateSourceCompose   = "source_compose"
	// StatePhaseTimings is the build's phase timings as JSON (see
	// package timeline).
	StatePhaseTimings  = "phase_timings"
	StateCentOSVersion = "centos_version"
	// StateBuildKey is the public key the build put into the guest (and
	// removed again), so a verification can prove it is gone.
	StateBuildKey = "build_ssh_public_key"
	// StateServedFiles names the files the build served the installer
	// (the kickstart, http_directory, http_content), one per line, so a
	// verification can prove no copy of them is left in the image.
	StateServedFiles = "served_files"
	// StateOutputs lists every output the build wrote — the primary,
	// which StateImagePath names, and the copies of its disk for other
	// targets — as a JSON array of Output.
	StateOutputs = "outputs"
)

// Output is one file a build wrote for a deployment target.
type Output struct {
	// Format is the export block's format: qcow2, raw, vmdk, vhd, vhdx,
	// gce, ova or containerdisk.
	Format string `json:"format"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// Size is the file's size in bytes; VirtualSize the size of the disk
	// it holds, as its target sees it.
	Size        int64  `json:"size"`
	VirtualSize int64  `json:"virtual_size"`
	Target      string `json:"target"`
	// Primary marks the output verify boots; every other output holds
	// the same disk.
	Primary bool `json:"primary,omitempty"`
	// ImageDigest is a containerdisk's OCI image digest; Pushed the
	// image's reference by digest where the build pushed it.
	ImageDigest string `json:"image_digest,omitempty"`
	Pushed      string `json:"pushed,omitempty"`
}

// Image is the disk image an artifact holds, and what its build knows of
// it.
type Image struct {
	Path string
	// Format is "qcow2" or "raw".
	Format string
	// SHA256 is the image's checksum as the build recorded it; empty when
	// the builder recorded none.
	SHA256 string
	// CentOSVersion is the build's centos_version, if it had one.
	CentOSVersion string
	// BuildKey is the public key the build gave the guest, if known.
	BuildKey string
	// ServedFiles are the names of the files the build served the
	// installer.
	ServedFiles []string
	// PhaseTimings is the build's timeline as JSON (package timeline),
	// if the build recorded one.
	PhaseTimings string
	// SourceImageName is the image the build started from, if known.
	SourceImageName string
	// Outputs are every output of the build, the image among them, when
	// the build recorded them.
	Outputs []Output
}

// Read finds the disk image in a: from the state of a centos-libvirt
// artifact, or among any other builder's files (such as
// packer-plugin-qemu's) the first qcow2, else the first .raw or .img file.
func Read(ctx context.Context, a packersdk.Artifact) (Image, error) {
	if a.BuilderId() == BuilderID {
		img := Image{
			Path:            stateString(a, StateImagePath),
			Format:          stateString(a, StateFormat),
			SHA256:          stateString(a, StateSHA256),
			CentOSVersion:   stateString(a, StateCentOSVersion),
			BuildKey:        stateString(a, StateBuildKey),
			PhaseTimings:    stateString(a, StatePhaseTimings),
			SourceImageName: stateString(a, StateSourceImageName),
		}
		if served := stateString(a, StateServedFiles); served != "" {
			img.ServedFiles = strings.Split(served, "\n")
		}
		if outputs := stateString(a, StateOutputs); outputs != "" {
			if err := json.Unmarshal([]byte(outputs), &img.Outputs); err != nil {
				return Image{}, fmt.Errorf("read the outputs of the artifact: %w", err)
			}
		}
		if img.Path != "" && img.Format != "" {
			return img, nil
		}
	}
	var raw string
	for _, f := range a.Files() {
		info, err := qemuimg.ReadInfo(ctx, f)
		if err != nil {
			if ctx.Err() != nil {
				return Image{}, ctx.Err()
			}
			continue
		}
		if info.Format == "qcow2" {
			return Image{Path: f, Format: "qcow2"}, nil
		}
		ext := strings.ToLower(filepath.Ext(f))
		if raw == "" && info.Format == "raw" && (ext == ".raw" || ext == ".img") {
			raw = f
		}
	}
	if raw != "" {
		return Image{Path: raw, Format: "raw"}, nil
	}
	return Image{}, fmt.Errorf("the artifact of %s has no qcow2 or raw (.raw, .img) disk image among its files %v", a.BuilderId(), a.Files())
}

func stateString(a packersdk.Artifact, key string) string {
	s, _ := a.State(key).(string)
	return s
}
