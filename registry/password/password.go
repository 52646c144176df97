// Package password implements registry.PasswordHasher with argon2id
// (RFC 9106), in the PHC string format.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id hashes passwords. The zero value uses OWASP's recommended
// parameters (m=64 MiB, t=1, p=2 is within them for 2-core machines).
type Argon2id struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

func (h Argon2id) params() (uint32, uint32, uint8) {
	m, t, p := h.Memory, h.Time, h.Threads
	if m == 0 {
		m = 64 * 1024
	}
	if t == 0 {
		t = 1
	}
	if p == 0 {
		p = 2
	}
	return m, t, p
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of password with a new random salt.
func (h Argon2id) Hash(password string) (string, error) {
	m, t, p := h.params()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify checks password against a PHC string, in constant time.
func (h Argon2id) Verify(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<21 || t == 0 || t > 10 || p == 0 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
