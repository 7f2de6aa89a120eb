package guestrun

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/communicator"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
)

// StepSeed writes the NoCloud seed: a fresh instance-id, so the boot is a
// first boot as a user would see it, and the communicator's public key for
// its user.
type StepSeed struct {
	// InstancePrefix starts the instance-id; a random suffix follows.
	InstancePrefix string
	Hostname       string
	// UserData is the template's own user-data, merged with ours.
	UserData []byte
	// Comm gives the user and the public key, read when the step runs:
	// the key is made by the SDK's key step just before.
	Comm *communicator.Config
	// KeyComment marks the key in authorized_keys.
	KeyComment string
}

// Run writes the seed and makes it readable by the hypervisor.
func (s *StepSeed) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := Of(state)
	id, err := randomHex(8)
	if err != nil {
		return Fail(state, err)
	}
	seed := cloudinit.Seed{
		InstanceID:       s.InstancePrefix + id,
		Hostname:         s.Hostname,
		User:             s.Comm.SSHUsername,
		TemplateUserData: s.UserData,
	}
	if key := strings.TrimSpace(string(s.Comm.SSHPublicKey)); key != "" {
		seed.AuthorizedKeys = []string{key + " " + s.KeyComment}
	}
	local := r.WorkDir.Path("seed.iso")
	if err := seed.WriteISO(ctx, local); err != nil {
		return Fail(state, fmt.Errorf("create cloud-init seed: %w", err))
	}
	if r.Seed, err = r.Guest.Storage.Import(ctx, local, "seed.iso", "raw"); err != nil {
		return Fail(state, err)
	}
	r.Guest.Seeded = true
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the seed goes with the working directory or
// the storage step's volumes.
func (*StepSeed) Cleanup(multistep.StateBag) {}
