package libvirt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
)

// tempKeyComment marks the key the builder puts into the guest, so it can
// be told apart in authorized_keys.
const tempKeyComment = "packer-centos-build"

// stepCreateSeed writes the NoCloud seed ISO carrying the communicator's
// public key.
type stepCreateSeed struct{}

func (stepCreateSeed) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	id, err := randomHex(8)
	if err != nil {
		return fail(state, err)
	}
	seed := cloudinit.Seed{
		InstanceID:       "packer-" + id,
		Hostname:         cfg.Hostname,
		User:             cfg.Comm.SSHUsername,
		TemplateUserData: cfg.userData,
	}
	if key := strings.TrimSpace(string(cfg.Comm.SSHPublicKey)); key != "" {
		seed.AuthorizedKeys = []string{key + " " + tempKeyComment}
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
func (stepCreateSeed) Cleanup(multistep.StateBag) {}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
