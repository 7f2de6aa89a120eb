package libvirt

import (
	"context"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/packer-centos/packer-plugin-centos/internal/cloudinit"
	"github.com/packer-centos/packer-plugin-centos/internal/guestrun"
)

// stepGeneralize runs scripts/generalize.sh in the guest as root, the last
// thing the build does there, so that every machine started from the image
// is a new instance (generalize = true, the default). It gives the script
// the operations to skip and, for a cloud image, the account the build's
// seed created to log in, which goes too unless it is the image's default
// user. An installer's account is the kickstart's to keep, an account the
// template's user_data names is the template's, and with a
// shutdown_command the account must outlive generalize to run it.
type stepGeneralize struct{}

func (stepGeneralize) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	cfg := r.config
	r.UI.Say("Generalizing the image for its first boot")
	buildUser := ""
	if !cfg.iso() && cfg.ShutdownCommand == "" && !cloudinit.MentionsUser(cfg.userData, cfg.Comm.SSHUsername) {
		buildUser = cfg.Comm.SSHUsername
	}
	if err := runAsRoot(ctx, state, "generalize the image", generalizeScript(), strings.Join(cfg.GeneralizeSkip, " "), buildUser); err != nil {
		return guestrun.Fail(state, err)
	}
	return multistep.ActionContinue
}

func (stepGeneralize) Cleanup(multistep.StateBag) {}

// generalizeScript is generalize.sh with the shell functions it shares.
func generalizeScript() string { return cloudinit.DefaultUserShell + script("generalize.sh") }
