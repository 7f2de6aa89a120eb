package kickstart

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGoldenFilesPassKsvalidator runs pykickstart's own validator over the
// golden files when KSVALIDATOR names it, e.g.
//
//	KSVALIDATOR="python3 /src/pykickstart/tools/ksvalidator.py" go test ./internal/kickstart/
//
// pykickstart is not a dependency of the project, so the test is skipped
// otherwise.
func TestGoldenFilesPassKsvalidator(t *testing.T) {
	cmd := strings.Fields(os.Getenv("KSVALIDATOR"))
	if len(cmd) == 0 {
		t.Skip("set KSVALIDATOR to pykickstart's ksvalidator command to run")
	}
	files, err := filepath.Glob("testdata/*.ks.golden")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	byVersion := regexp.MustCompile(`-(7|stream8|stream9|stream10)\.ks\.golden$`)
	for _, f := range files {
		m := byVersion.FindStringSubmatch(f)
		if m == nil {
			t.Fatalf("%s names no dialect", f)
		}
		d := mustDialect(t, m[1])
		t.Run(filepath.Base(f), func(t *testing.T) {
			ks, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if d.RHEL == 7 {
				// pykickstart's main branch never gave its RHEL7 handler
				// `sshkey`; only the rhel7-branch did (see Dialect.SSHKey).
				ks = regexp.MustCompile(`(?m)^sshkey .*\n`).ReplaceAll(ks, nil)
			}
			path := filepath.Join(t.TempDir(), "ks.cfg")
			if err := os.WriteFile(path, ks, 0o644); err != nil {
				t.Fatal(err)
			}
			args := append(cmd[1:], "-e", "-v", "RHEL"+strings.TrimPrefix(m[1], "stream"), path)
			out, err := exec.Command(cmd[0], args...).CombinedOutput()
			if err != nil {
				t.Errorf("ksvalidator: %v\n%s", err, out)
			}
		})
	}
}
