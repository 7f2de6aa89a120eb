//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestValidateRejectsInvalidTemplates runs packer validate on every
// template in testdata/invalid: each must be refused, with the message its
// first line names (the field and what to do), before anything runs.
func TestValidateRejectsInvalidTemplates(t *testing.T) {
	w := requireWorld(t)
	files, err := filepath.Glob(filepath.Join(w.repo, "internal", "e2e", "testdata", "invalid", "*.pkr.hcl"))
	if err != nil || len(files) < 50 {
		t.Fatalf("want at least 50 invalid templates, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".pkr.hcl"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, body, _ := strings.Cut(string(src), "\n")
			want, ok := strings.CutPrefix(first, "# expect: ")
			if !ok {
				t.Fatalf("%s does not start with '# expect: <message>'", f)
			}
			body = strings.NewReplacer("{{IMAGE}}", w.image, "{{SHA}}", w.imageSHA256).Replace(body)
			dir, tmp := workDir(t)
			writeFile(t, filepath.Join(dir, "build.pkr.hcl"), body)
			out, code := w.packerRun(t, dir, tmp, time.Minute, "validate", ".")
			if code == 0 {
				t.Fatalf("packer validate accepted it")
			}
			// packer wraps long messages; compare with whitespace folded.
			if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("output does not say %q:\n%s", want, out)
			}
		})
	}
}
