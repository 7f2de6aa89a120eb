package libvirt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
	"github.com/packer-centos/packer-plugin-centos/internal/kickstart"
)

// stepRenderKickstart writes the kickstart for this build — with the
// build's public key, and the kickstart server's address for templates —
// and checks it once more against the release: no kickstart with a
// plaintext password is ever served.
type stepRenderKickstart struct{}

func (stepRenderKickstart) Run(_ context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	key := strings.TrimSpace(string(cfg.Comm.SSHPublicKey))
	ks, err := cfg.KickstartConfig.render(kickstart.TemplateData{
		HTTPIP:       r.httpIP,
		HTTPPort:     r.httpPort,
		SSHPublicKey: key,
		SSHUsername:  cfg.Comm.SSHUsername,
		Hostname:     cfg.Hostname,
	})
	if err != nil {
		return guestrun.Fail(state, fmt.Errorf("kickstart: %w", err))
	}
	if key != "" && !strings.Contains(string(ks), key) {
		return guestrun.Fail(state, fmt.Errorf("kickstart_file does not install the build's SSH key, so the builder could not log in after the installation; add sshkey --username={{ .SSHUsername }} \"{{ .SSHPublicKey }}\""))
	}
	r.setKickstart(ks)
	return multistep.ActionContinue
}

func (stepRenderKickstart) Cleanup(multistep.StateBag) {}
