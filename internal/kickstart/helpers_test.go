package kickstart

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// buildKey stands for the build's generated public key.
const buildKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildKey00000000000000000000000000000000 packer-build"

// aliceKey is a user's own key.
const aliceKey = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAlice= alice@laptop"

// opsHash is a ready-made hash as a user would paste into password_hash:
// the output of `openssl passwd -6 -salt saltsaltsaltsalt ops-password`
// (glibc's crypt and Python's crypt.crypt give the same).
const opsHash = "$6$saltsaltsaltsalt$Yeq3Kj4VQxl9FZm1ivXPcRPhiMcNV7FyKc3auu/KvBmwlxKb1MF/YLsIS0zA3KmEj/QCCc80K54epC7ZCbs0t0"

// counter is a deterministic stand-in for crypto/rand: 0, 1, 2, ...
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func mustDialect(t *testing.T, version string) Dialect {
	t.Helper()
	d, err := DialectFor(version)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
