package kickstart

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/GehirnInc/crypt/sha512_crypt"
)

func TestHashPasswordVerifies(t *testing.T) {
	for _, pw := range []string{"changeme", "", "pässwörd with spaces and $ and \"quotes\"", strings.Repeat("long", 100)} {
		hash, err := HashPassword(pw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !IsSHA512Crypt(hash) {
			t.Errorf("%q is not a SHA-512 crypt hash", hash)
		}
		salt := strings.Split(hash, "$")[2]
		if len(salt) != 16 || strings.Trim(salt, saltAlphabet) != "" {
			t.Errorf("salt %q: want 16 characters of ./0-9A-Za-z", salt)
		}
		if err := sha512_crypt.New().Verify(hash, []byte(pw)); err != nil {
			t.Errorf("Verify(%q, %q): %v", hash, pw, err)
		}
		if err := sha512_crypt.New().Verify(hash, []byte(pw+"x")); err == nil {
			t.Errorf("hash of %q also verifies another password", pw)
		}
		if pw != "" && strings.Contains(hash, pw) {
			t.Errorf("hash %q contains the password", hash)
		}
	}
}

// With the salt fixed, the hash is the one glibc and OpenSSL make.
func TestHashPasswordKnownAnswer(t *testing.T) {
	// Bytes whose low six bits index "saltsaltsaltsalt" in the alphabet.
	var b []byte
	for _, c := range "saltsaltsaltsalt" {
		b = append(b, byte(strings.IndexRune(saltAlphabet, c))|0xc0)
	}
	got, err := HashPassword("ops-password", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got != opsHash {
		t.Errorf("HashPassword = %q, want %q", got, opsHash)
	}
}

func TestHashPasswordSaltsDiffer(t *testing.T) {
	a, _ := HashPassword("same", nil)
	b, _ := HashPassword("same", nil)
	if a == b {
		t.Error("two hashes of one password share a salt")
	}
}

func TestHashPasswordRandomFailure(t *testing.T) {
	_, err := HashPassword("x", iotest.ErrReader(errors.New("entropy gone")))
	if err == nil || err.Error() != "read salt for password hash: entropy gone" {
		t.Errorf("err = %v", err)
	}
}

func TestIsSHA512Crypt(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{opsHash, true},
		{"$6$rounds=10000$saltsaltsaltsalt$" + strings.Repeat("a", 86), true},
		{"$6$s$" + strings.Repeat("a", 86), true},
		{"$6$saltsaltsaltsaltX$" + strings.Repeat("a", 86), false}, // salt too long
		{"$6$salt$" + strings.Repeat("a", 85), false},
		{"$5$salt$" + strings.Repeat("a", 43), false},
		{"$y$j9T$salt$hash", false},
		{"changeme", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsSHA512Crypt(tc.in); got != tc.want {
			t.Errorf("IsSHA512Crypt(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
