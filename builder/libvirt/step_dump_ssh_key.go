package libvirt

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepDumpSSHKey writes the build's private key for `packer build -debug`
// with the SDK's step, then makes it readable by its owner only: the SDK
// writes it with mode 0700.
type stepDumpSSHKey struct {
	communicator.StepDumpSSHKey
}

func (s *stepDumpSSHKey) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if action := s.StepDumpSSHKey.Run(ctx, state); action != multistep.ActionContinue {
		return action
	}
	if err := os.Chmod(s.Path, 0o600); err != nil {
		return guestrun.Fail(state, fmt.Errorf("restrict the debug SSH key %s: %w", s.Path, err))
	}
	return multistep.ActionContinue
}
