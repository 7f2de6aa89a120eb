package libvirt

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/packer-centos/packer-plugin-centos/verifier"
	"golang.org/x/crypto/ssh"
)

// stepRemoveSSHKey takes the build's public key out of every
// authorized_keys file in the guest before it shuts down, so the image
// grants no access to whoever held the build's key. The open SSH session
// stays usable for the steps that follow. Failing to remove it fails the
// build: an image that still trusts the build key must not be shipped.
type stepRemoveSSHKey struct{}

func (stepRemoveSSHKey) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := runOf(state)
	pub := r.config.Comm.SSHPublicKey
	if len(pub) == 0 {
		return multistep.ActionContinue
	}
	blob, err := keyBlob(pub)
	if err != nil {
		return fail(state, err)
	}
	comm := state.Get("communicator").(packersdk.Communicator)
	r.ui.Say("Removing the build's SSH key from the guest's authorized_keys files")
	cmd := removeKeyCommand(blob, r.config.Comm.SSHUsername != "root")
	var out bytes.Buffer
	rc := &packersdk.RemoteCmd{Command: cmd, Stdout: &out, Stderr: &out}
	if err := rc.RunWithUi(ctx, comm, quietUi{r.ui}); err != nil {
		return fail(state, fmt.Errorf("remove the build's SSH key from the guest: %w", err))
	}
	if rc.ExitStatus() != 0 {
		return fail(state, fmt.Errorf("remove the build's SSH key from the guest: exit status %d: %s", rc.ExitStatus(), strings.TrimSpace(out.String())))
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

// removeKeyCommand is a POSIX shell script dropping every line holding
// blob from the authorized_keys of root and of every account's home, then
// checking none is left. The blob is base64, so it needs no quoting
// beyond single quotes. Files are rewritten in place to keep their owner,
// mode and SELinux label.
func removeKeyCommand(blob string, sudo bool) string {
	script := `set -e
key='` + blob + `'
found=0
for home in $(getent passwd | cut -d: -f6 | sort -u) /root; do
  f="$home/.ssh/authorized_keys"
  [ -f "$f" ] || continue
  if grep -qF "$key" "$f"; then
    grep -vF "$key" "$f" > "$f.packer-new" || true
    cat "$f.packer-new" > "$f"
    rm -f "$f.packer-new"
  fi
  if grep -qF "$key" "$f"; then echo "key still in $f"; found=1; fi
done
exit $found`
	cmd := "sh -c " + verifier.ShellQuote(script)
	if sudo {
		cmd = "sudo -n " + cmd
	}
	return cmd
}

// quietUi keeps the script's own output out of the build log; errors
// still show.
type quietUi struct{ packersdk.Ui }

func (q quietUi) Message(string) {}
