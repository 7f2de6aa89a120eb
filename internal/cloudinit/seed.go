// Package cloudinit writes the NoCloud seed (an ISO labelled "cidata") that
// hands a cloud image its instance identity and the build's SSH key on
// first boot, merged with whatever user-data the template adds.
package cloudinit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/packer-centos/packer-plugin-centos/internal/isoimage"
)

// Seed is the content of one NoCloud seed.
type Seed struct {
	// InstanceID must be new for every boot that should count as a first
	// boot; cloud-init keys all its once-per-instance work on it.
	InstanceID string
	Hostname   string
	// User is the account the communicator logs in as. "root" is allowed:
	// the seed then turns off cloud-init's disable_root.
	User string
	// AuthorizedKeys are authorized_keys lines for User.
	AuthorizedKeys []string
	// TemplateUserData is the template's own user-data, merged with ours.
	TemplateUserData []byte
}

// userDataKinds maps the first line of a user-data document to the MIME
// type cloud-init expects for it inside a multipart message.
var userDataKinds = []struct{ prefix, mime string }{
	{"#cloud-config", "text/cloud-config"},
	{"#!", "text/x-shellscript"},
	{"#include", "text/x-include-url"},
	{"#cloud-boothook", "text/cloud-boothook"},
	{"#part-handler", "text/part-handler"},
	{"## template: jinja", "text/jinja2"},
}

// ContentType tells which kind of user-data a document is, or why it is
// not one cloud-init would run.
func ContentType(data []byte) (string, error) {
	for _, k := range userDataKinds {
		if bytes.HasPrefix(data, []byte(k.prefix)) {
			return k.mime, nil
		}
	}
	var want []string
	for _, k := range userDataKinds {
		want = append(want, fmt.Sprintf("%q", k.prefix))
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if len(first) > 40 {
		first = first[:40] + "..."
	}
	return "", fmt.Errorf("user-data starts with %q; it must start with one of %s", first, strings.Join(want, ", "))
}

// MetaData renders the NoCloud meta-data file.
func (s Seed) MetaData() []byte {
	return []byte(fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", s.InstanceID, s.Hostname))
}

// ourConfig is the cloud-config the builder needs: the SSH key for the
// communicator's user. JSON is valid YAML, so it is written as JSON.
func (s Seed) ourConfig() ([]byte, error) {
	cfg := map[string]any{}
	if s.User == "root" {
		// cloud-init puts the keys of the default user into root's
		// authorized_keys too, but behind a "please log in as" command
		// unless disable_root is off.
		cfg["disable_root"] = false
		cfg["ssh_authorized_keys"] = s.AuthorizedKeys
	} else {
		// "default" keeps the image's own default user; a second entry
		// with the same name as the default user is merged into it.
		cfg["users"] = []any{
			"default",
			map[string]any{
				"name":                s.User,
				"ssh_authorized_keys": s.AuthorizedKeys,
				"sudo":                "ALL=(ALL) NOPASSWD:ALL",
				"shell":               "/bin/bash",
			},
		}
	}
	body, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode cloud-config: %w", err)
	}
	return append([]byte("#cloud-config\n"), append(body, '\n')...), nil
}

// ourMergeType makes our part add to the template's user-data rather than
// replace it: lists (users, keys) are appended and keys the template set
// keep the template's value.
const ourMergeType = "dict(recurse_array,no_replace)+list(append)"

// UserData renders the user-data file: our cloud-config alone, or a MIME
// multipart message with the template's document first and ours merged in.
func (s Seed) UserData() ([]byte, error) {
	ours, err := s.ourConfig()
	if err != nil {
		return nil, err
	}
	if len(s.TemplateUserData) == 0 {
		return ours, nil
	}
	theirType, err := ContentType(s.TemplateUserData)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "Content-Type: multipart/mixed; boundary=%q\nMIME-Version: 1.0\n\n", w.Boundary())
	parts := []struct {
		mime, name, merge string
		body              []byte
	}{
		{theirType, "template-user-data", "", s.TemplateUserData},
		{"text/cloud-config", "packer-centos", ourMergeType, ours},
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", p.mime+`; charset="utf-8"`)
		h.Set("MIME-Version", "1.0")
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", p.name))
		if p.merge != "" {
			h.Set("Merge-Type", p.merge)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("write user-data part %s: %w", p.name, err)
		}
		if _, err := pw.Write(p.body); err != nil {
			return nil, fmt.Errorf("write user-data part %s: %w", p.name, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("finish user-data: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteISO writes the seed as an ISO 9660 image labelled "cidata" at
// isoPath, mode 0600 (user-data can hold secrets). It needs xorriso.
func (s Seed) WriteISO(ctx context.Context, isoPath string) error {
	userData, err := s.UserData()
	if err != nil {
		return err
	}
	return isoimage.Write(ctx, isoPath, "cidata", map[string][]byte{"user-data": userData, "meta-data": s.MetaData()})
}

// MentionsUser tells whether user-data names the account user anywhere,
// as a whole word: a users entry, a script's useradd. The builder keeps
// such an account in the image; only one that exists just because the
// builder's own part of the seed made it is the build's to remove.
func MentionsUser(userData []byte, user string) bool {
	if user == "" {
		return false
	}
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(user) + `($|[^A-Za-z0-9_.-])`).Match(userData)
}
