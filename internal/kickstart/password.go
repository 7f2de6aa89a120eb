package kickstart

import (
	"crypto/rand"
	"fmt"
	"io"
	"regexp"

	"github.com/GehirnInc/crypt/sha512_crypt"
)

// saltAlphabet is crypt(3)'s: 64 characters, so one random byte masked to
// six bits picks one uniformly.
const saltAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// saltLen is the longest salt SHA-512 crypt takes.
const saltLen = 16

// sha512CryptPattern matches a SHA-512 crypt(3) hash, with or without a
// rounds= parameter.
var sha512CryptPattern = regexp.MustCompile(`^\$6\$(rounds=[0-9]{1,9}\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$`)

// HashPassword returns the SHA-512 crypt(3) hash ("$6$<salt>$<hash>") of
// password with a random 16-character salt read from random; nil means
// crypto/rand. Tests pass a fixed reader to get a stable hash.
func HashPassword(password string, random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, saltLen)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("read salt for password hash: %w", err)
	}
	salt := make([]byte, saltLen)
	for i, c := range b {
		salt[i] = saltAlphabet[c&63]
	}
	hash, err := sha512_crypt.New().Generate([]byte(password), append([]byte(sha512_crypt.MagicPrefix), salt...))
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// IsSHA512Crypt tells whether s is a well-formed SHA-512 crypt(3) hash, as
// made by `openssl passwd -6` or `mkpasswd -m sha-512`.
func IsSHA512Crypt(s string) bool {
	return sha512CryptPattern.MatchString(s)
}
