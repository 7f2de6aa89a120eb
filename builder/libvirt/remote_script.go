package libvirt

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// scripts are the POSIX sh scripts the builder runs in the guest; make
// test runs shellcheck on them.
//
//go:embed scripts/*.sh
var scripts embed.FS

func script(name string) string {
	b, err := scripts.ReadFile("scripts/" + name)
	if err != nil {
		panic(err) // embedded at build time: a missing script is a bug
	}
	return string(b)
}

// rootCommand is the command line that runs script with sh as root, with
// args as $1, $2, ...: through `sudo -n` when user is not root.
func rootCommand(user, script string, args ...string) string {
	words := []string{"sh", "-c", shellquote.Quote(script), "sh"}
	for _, a := range args {
		words = append(words, shellquote.Quote(a))
	}
	cmd := strings.Join(words, " ")
	if user != "root" {
		cmd = "sudo -n " + cmd
	}
	return cmd
}

// runAsRoot runs script as root in the guest over the build's
// communicator, showing what it prints. what names the task in errors,
// which carry the script's output.
func runAsRoot(ctx context.Context, state multistep.StateBag, what, script string, args ...string) error {
	r := runOf(state)
	comm := state.Get("communicator").(packersdk.Communicator)
	var out lockedBuffer
	rc := &packersdk.RemoteCmd{Command: rootCommand(r.config.Comm.SSHUsername, script, args...), Stdout: &out, Stderr: &out}
	if err := rc.RunWithUi(ctx, comm, r.UI); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if rc.ExitStatus() != 0 {
		return fmt.Errorf("%s: exit status %d: %s", what, rc.ExitStatus(), strings.TrimSpace(out.String()))
	}
	return nil
}

// lockedBuffer collects a command's stdout and stderr together: the
// communicator copies the two streams from two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
