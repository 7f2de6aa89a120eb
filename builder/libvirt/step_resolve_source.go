package libvirt

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// stepResolveSource turns a centos_version preset into one dated image:
// it reads the release's checksum file on the mirror, picks the newest
// image for the firmware (or centos_compose), and pins its sha256, so the
// download is reproducible and says which image the build started from.
type stepResolveSource struct {
	// Client reads the mirror; nil is http.DefaultClient.
	Client *http.Client
}

// resolveTimeout bounds reading the checksum file: it is a few kilobytes.
const resolveTimeout = 2 * time.Minute

func (s stepResolveSource) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	img, err := centos.Resolve(ctx, client, *cfg.preset)
	if err != nil {
		return guestrun.Fail(state, fmt.Errorf("find the %s image: %w", cfg.release.Name, err))
	}
	cfg.SourceImageURLs = []string{img.URL}
	cfg.SourceImageChecksum = img.Checksum
	r.source = &img
	size := ""
	if img.Size > 0 {
		size = ", " + sizes.Format(img.Size)
	}
	r.UI.Say(fmt.Sprintf("Source image: %s (compose %s%s), %s, from %s", img.Name, img.Compose, size, img.Checksum, img.ChecksumURL))
	return multistep.ActionContinue
}

func (stepResolveSource) Cleanup(multistep.StateBag) {}
