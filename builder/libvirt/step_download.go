package libvirt

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/hashicorp/packer-plugin-sdk/multistep/commonsteps"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepDownload fetches the installer ISO or the source image into
// Packer's cache, checking its checksum, with the SDK's download step. It
// is set up when it runs, not when the step list is made: a preset's URL
// and checksum are only known after stepResolveSource.
type stepDownload struct {
	step *commonsteps.StepDownload
}

func (s *stepDownload) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	cfg := runOf(state).config
	if cfg.iso() {
		s.step = &commonsteps.StepDownload{
			Checksum:    cfg.ISOChecksum,
			Description: "installer ISO",
			ResultKey:   "iso_path",
			Url:         cfg.ISOURLs,
			Extension:   "iso",
		}
	} else {
		s.step = &commonsteps.StepDownload{
			Checksum:    cfg.SourceImageChecksum,
			Description: "source image",
			ResultKey:   "source_image_path",
			Url:         cfg.SourceImageURLs,
			Extension:   "img",
		}
	}
	path, err := cacheTarget(s.step.Checksum, s.step.Url, s.step.Extension)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	s.step.TargetPath = path
	return s.step.Run(ctx, state)
}

func (s *stepDownload) Cleanup(state multistep.StateBag) {
	if s.step != nil {
		s.step.Cleanup(state)
	}
}

// cacheTarget keys a download's file in Packer's cache. The SDK keys it
// by the checksum string alone, so two images checked against one
// checksum file ("file:…/CHECKSUM": Stream 10's BIOS and UEFI images)
// would share a cached file; such a key includes the URL too. A pinned
// checksum names its file by itself.
func cacheTarget(checksum string, urls []string, ext string) (string, error) {
	if !strings.HasPrefix(checksum, "file:") || len(urls) == 0 {
		return "", nil
	}
	sum := sha1.Sum([]byte(checksum + "\n" + urls[0]))
	return packersdk.CachePath(hex.EncodeToString(sum[:]) + "." + ext)
}
