package verifier

import (
	"context"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/shellquote"
)

// noBakedSecretsCheck reads the image as shipped — plugged into the guest
// read-only, at Facts.ImageDevice — for secrets that every instance would
// share even where cloud-init replaces them at first boot: SSH host
// private keys, a machine-id, private keys of accounts. A secret replaced
// at boot is still a secret shipped in the file.
type noBakedSecretsCheck struct{ Meta }

// bakedSecretsCommand runs the script on device.
func bakedSecretsCommand(device string) string {
	return "set -- " + shellquote.Quote(device) + "\n" + bakedSecretsScript
}

// Evaluate reads the image's file systems in the guest.
func (c *noBakedSecretsCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	dev := g.Facts().ImageDevice
	if dev == "" {
		return Skipf("the image as shipped was not plugged into the guest")
	}
	res, err := g.Run(ctx, bakedSecretsCommand(dev))
	if err != nil {
		return execError("read the image as shipped", err)
	}
	return judgeBakedSecrets(res)
}

func judgeBakedSecrets(res ExecResult) Verdict {
	var hostKeys, privateKeys, errs []string
	var read, lvm, machineID bool
	for _, line := range strings.Split(res.Stdout, "\n") {
		rest, ok := strings.CutPrefix(line, outputMarker+" ")
		if !ok {
			continue
		}
		kind, arg, _ := strings.Cut(rest, " ")
		switch kind {
		case "host-key":
			hostKeys = append(hostKeys, arg)
		case "private-key":
			privateKeys = append(privateKeys, arg)
		case "machine-id":
			machineID = true
		case "read":
			read = true
		case "lvm":
			lvm = true
		case "error":
			errs = append(errs, arg)
		}
	}
	var found []string
	if len(hostKeys) > 0 {
		found = append(found, "SSH host private keys "+strings.Join(hostKeys, ", ")+" (enable generalize's ssh-hostkeys operation)")
	}
	if machineID {
		found = append(found, "a machine-id in /etc/machine-id (enable generalize's machine-id operation)")
	}
	if len(privateKeys) > 0 {
		found = append(found, "private keys "+strings.Join(privateKeys, ", ")+" (remove them in the build: generalize removes only the build's own key)")
	}
	switch {
	case len(found) > 0:
		return Failf("expected no secrets in the image as shipped, got %s: every instance started from it would share them", strings.Join(found, "; "))
	case len(errs) > 0:
		return Errorf("read the image as shipped: %s", strings.Join(errs, "; "))
	case !read && lvm:
		return Skipf("the image's file systems are on LVM, whose volume group cannot be activated beside the running copy of itself")
	case !read:
		return Errorf("read the image as shipped: no xfs or ext file system on it (%s)", orWord(firstLine(res.Stderr), "nothing printed"))
	}
	return Pass()
}
