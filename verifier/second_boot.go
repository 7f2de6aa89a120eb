package verifier

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Identity is what a guest must keep across a reboot: its hostname, its
// machine-id and its SSH host keys, which are made once, at first boot.
type Identity struct {
	Hostname  string
	MachineID string
	// HostKeys maps each public host key file to the key it holds
	// (type and base64 blob).
	HostKeys map[string]string
}

// identityCommand prints the hostname, the machine-id and each public host
// key as "path type blob", in sections. Public keys are world-readable, so
// no root is needed.
const identityCommand = "hostname; echo " + outputMarker + "; cat /etc/machine-id; echo " + outputMarker +
	`; for f in /etc/ssh/ssh_host_*_key.pub; do [ -e "$f" ] && printf '%s %s\n' "$f" "$(cut -d' ' -f1,2 -- "$f")"; done; true`

// ReadIdentity reads the guest's identity, to compare across a reboot.
func ReadIdentity(ctx context.Context, exec Executor) (Identity, error) {
	res, err := exec.Run(ctx, identityCommand)
	if err != nil {
		return Identity{}, fmt.Errorf("read the guest's hostname, machine-id and host keys: %w", err)
	}
	return parseIdentity(res.Stdout)
}

func parseIdentity(stdout string) (Identity, error) {
	parts := strings.Split(stdout, outputMarker+"\n")
	if len(parts) != 3 {
		return Identity{}, fmt.Errorf("read the guest's hostname, machine-id and host keys: unexpected output %q", stdout)
	}
	id := Identity{
		Hostname:  strings.TrimSpace(parts[0]),
		MachineID: strings.TrimSpace(parts[1]),
		HostKeys:  map[string]string{},
	}
	for _, line := range strings.Split(strings.TrimSpace(parts[2]), "\n") {
		if path, key, ok := strings.Cut(line, " "); ok {
			id.HostKeys[path] = key
		}
	}
	return id, nil
}

// SecondBootName is the name the second-boot check reports under.
const SecondBootName = "second_boot"

const secondBootDescription = "after a reboot the system runs again, with the same hostname, machine-id and SSH host keys"

// SecondBootCheck judges a guest after its reboot against what it was
// before: the system reaches running with no failed units, and hostname,
// machine-id and host keys are unchanged.
func SecondBootCheck(before Identity, s Settings) Check {
	return &secondBootCheck{
		Meta:   Meta{Type: builtinType, Name: SecondBootName, Description: secondBootDescription, Timeout: bootBudget(s)},
		before: before,
	}
}

// SecondBootFailed is the result of a reboot after which the guest never
// came back: err says how far it got.
func SecondBootFailed(err error, d time.Duration) Result {
	return Result{
		Type: builtinType, Name: SecondBootName,
		Description: secondBootDescription,
		Status:      StatusFail,
		Message:     "the guest did not come back after its reboot: " + err.Error(),
		Duration:    d,
		Started:     time.Now().Add(-d),
	}
}

type secondBootCheck struct {
	Meta
	before Identity
}

// Evaluate waits for the new boot to settle, then compares identities.
func (c *secondBootCheck) Evaluate(ctx context.Context, g *Guest) Verdict {
	var problems []string
	if v := (&systemRunningCheck{}).Evaluate(ctx, g); v.Status == StatusError {
		return v
	} else if v.Status != StatusPass {
		problems = append(problems, "system: "+v.Message)
	}
	after, err := ReadIdentity(ctx, g)
	if err != nil {
		return Errorf("%v", err)
	}
	problems = append(problems, identityChanges(c.before, after)...)
	if len(problems) > 0 {
		return Failf("after the reboot: %s", strings.Join(problems, "; "))
	}
	return Pass()
}

// identityChanges names what differs between two readings of a guest's
// identity, and what it means.
func identityChanges(before, after Identity) []string {
	var out []string
	if before.Hostname != after.Hostname {
		out = append(out, fmt.Sprintf("the hostname changed from %q to %q", before.Hostname, after.Hostname))
	}
	if before.MachineID != after.MachineID {
		out = append(out, fmt.Sprintf("/etc/machine-id changed from %q to %q: it is made anew at every boot "+
			"(is /etc read-only, or the file a link to a tmpfs?)", before.MachineID, after.MachineID))
	}
	var added, changed []string
	for path, key := range after.HostKeys {
		old, ok := before.HostKeys[path]
		switch {
		case !ok:
			added = append(added, path)
		case old != key:
			changed = append(changed, path)
		}
	}
	sort.Strings(added)
	sort.Strings(changed)
	const made = "host keys must be made once, at first boot (does a unit or cloud-init's ssh_deletekeys run at every boot?)"
	if len(added) > 0 {
		out = append(out, fmt.Sprintf("new SSH host keys appeared: %s; %s", strings.Join(added, ", "), made))
	}
	if len(changed) > 0 {
		out = append(out, fmt.Sprintf("SSH host keys were replaced: %s; %s", strings.Join(changed, ", "), made))
	}
	if len(before.HostKeys) > 0 && len(after.HostKeys) == 0 {
		out = append(out, "the SSH host keys are gone")
	}
	return out
}
