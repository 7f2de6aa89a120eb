package libvirt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"golang.org/x/crypto/ssh"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepRemoveSSHKey takes the build's public key out of every
// authorized_keys file in the guest (scripts/remove-build-key.sh) before
// it shuts down, so the image grants no access to whoever held the build's
// key. The open SSH session stays usable for the steps that follow.
// Failing to remove it fails the build: an image that still trusts the
// build key must not be shipped.
type stepRemoveSSHKey struct{}

func (stepRemoveSSHKey) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	blob, err := keyBlob(r.config.Comm.SSHPublicKey)
	if err != nil {
		return guestrun.Fail(state, err)
	}
	r.UI.Say("Removing the build's SSH key from the guest's authorized_keys files")
	if err := runAsRoot(ctx, state, "remove the build's SSH key from the guest", script("remove-build-key.sh"), blob); err != nil {
		return guestrun.Fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepRemoveSSHKey) Cleanup(multistep.StateBag) {}

// keyBlob is the base64 body of an authorized_keys line, which identifies
// the key whatever comment or options surround it.
func keyBlob(authorizedKey []byte) (string, error) {
	key, _, _, _, err := ssh.ParseAuthorizedKey(authorizedKey)
	if err != nil {
		return "", fmt.Errorf("parse the build's public key: %w", err)
	}
	fields := strings.Fields(strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))))
	return fields[1], nil
}
