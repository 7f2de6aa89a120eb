package verifier_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/packer-centos/packer-plugin-centos/verifier"
)

// FuzzParseSource: any input either parses or fails with a SpecError that
// names positions; it never panics, and what parses has only known check
// types.
func FuzzParseSource(f *testing.F) {
	for _, seed := range []string{
		"check \"package\" \"vim\" { installed = true }\n",
		"settings {\n  parallel = 2\n}\ncheck \"service\" \"sshd\" {\n  running = true\n}\n",
		"image {\n  virtual_size = \"20G\"\n}\n",
		`{"check": {"port": {"ssh": {"port": 22}}}}`,
		"check \"file\" \"/etc/motd\" {\n  mode = \"0644\"\n  contains = [\"hi\"]\n}\n",
		"check \"command\" \"x\" {\n  run = \"true\"\n  stdout_matches = \"^a(\"\n}\n",
	} {
		f.Add(seed, strings.HasPrefix(seed, "{"))
	}
	f.Fuzz(func(t *testing.T, src string, json bool) {
		name := "spec.hcl"
		if json {
			name = "spec.json"
		}
		spec, err := verifier.ParseSource([]byte(src), name)
		if err != nil {
			var se *verifier.SpecError
			if !errors.As(err, &se) && !strings.Contains(err.Error(), "spec") {
				t.Fatalf("error of unexpected kind %T: %v", err, err)
			}
			return
		}
		known := map[string]bool{}
		for _, typ := range verifier.CheckTypes() {
			known[typ] = true
		}
		for _, c := range spec.Checks {
			if !known[c.Metadata().Type] {
				t.Fatalf("parsed a check of unknown type %q", c.Metadata().Type)
			}
		}
		if err := spec.Settings.Validate(); err != nil {
			t.Fatalf("parsed settings that do not validate: %v", err)
		}
	})
}
