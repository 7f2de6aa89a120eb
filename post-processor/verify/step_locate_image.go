package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/artifact"
	"github.com/packer-centos/packer-plugin-centos/internal/centos"
	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepLocateImage finds the image in the input artifact, notes its
// checksum before anything happens, and what the build knows about it:
// its key, which must be gone, and its release, whose CPU level the guest
// gets.
type stepLocateImage struct{}

func (stepLocateImage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	img, err := artifact.Read(ctx, r.artifact)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	if img.SHA256 == "" {
		if img.SHA256, _, err = ctxio.SHA256File(ctx, img.Path); err != nil {
			return guestrun.Fail(state, err)
		}
	}
	r.image = img
	if rel, ok := centos.Lookup(img.CentOSVersion); ok {
		r.MinX86Level, r.Release = rel.MinX86Level, rel.Name
	}
	from := ""
	if img.SourceImageName != "" {
		from = ", built from " + img.SourceImageName
	}
	r.UI.Say(fmt.Sprintf("Verifying %s (%s, sha256 %s%s)", img.Path, img.Format, shortSum(img.SHA256), from))
	return multistep.ActionContinue
}

func (stepLocateImage) Cleanup(multistep.StateBag) {}

func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return strings.TrimSpace(s)
}
