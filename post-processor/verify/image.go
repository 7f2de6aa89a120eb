package verify

import (
	"context"
	"fmt"

	"github.com/packer-centos/packer-plugin-centos/internal/ctxio"
)

// checkImageUnchanged proves the image is exactly what it was before the
// run: verification must never modify what it verifies. A cancelled run
// skips the proof rather than read gigabytes after Ctrl-C; the guest only
// ever had the image as the read-only base of its overlay.
func (r *verifyRun) checkImageUnchanged(ctx context.Context) error {
	if r.image.Path == "" || r.image.SHA256 == "" || ctx.Err() != nil {
		return nil
	}
	after, _, err := ctxio.SHA256File(ctx, r.image.Path)
	if err != nil {
		return err
	}
	if after != r.image.SHA256 {
		return fmt.Errorf("the image changed during verification: sha256 %s before, %s after", r.image.SHA256, after)
	}
	return nil
}
