package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
)

// stepSeed writes a NoCloud seed with a fresh instance-id, so the boot is
// the image's first boot as a user would see it, and the temporary key.
type stepSeed struct{}

func (stepSeed) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	id, err := randomHex(8)
	if err != nil {
		return fail(state, err)
	}
	seed := cloudinit.Seed{
		InstanceID: "packer-verify-" + id,
		Hostname:   "packer-verify",
		User:       r.config.Comm.SSHUsername,
	}
	if key := strings.TrimSpace(string(r.config.Comm.SSHPublicKey)); key != "" {
		seed.AuthorizedKeys = []string{key + " packer-centos-verify"}
	}
	local := r.workDir.Path("seed.iso")
	if err := seed.WriteISO(ctx, local); err != nil {
		return fail(state, fmt.Errorf("create cloud-init seed: %w", err))
	}
	if r.seed, err = r.guest.Storage.Import(ctx, local, "seed.iso", "raw"); err != nil {
		return fail(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup has nothing to do: the seed goes with the working directory or
// the storage step's volumes.
func (stepSeed) Cleanup(multistep.StateBag) {}
