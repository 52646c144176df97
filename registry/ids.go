package registry

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new 26-character identifier: 48 bits of milliseconds then
// 80 random bits, so ids sort by creation time.
func NewID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return idEncoding.EncodeToString(b[:])
}

// Slugify turns a name into a URL slug: lower case ASCII letters, digits and
// dashes, accents folded.
func Slugify(s string) string {
	s = FoldAccents(strings.ToLower(s))
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 80 {
		out = strings.TrimSuffix(out[:80], "-")
	}
	return out
}

var accentFolder = strings.NewReplacer(
	"á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
	"Á", "A", "É", "E", "Í", "I", "Ó", "O", "Ú", "U", "Ü", "U", "Ñ", "N",
	"à", "a", "è", "e", "ì", "i", "ò", "o", "ù", "u", "â", "a", "ê", "e", "î", "i", "ô", "o", "û", "u",
	"ç", "c", "Ç", "C", "ã", "a", "õ", "o", "ä", "a", "ë", "e", "ï", "i", "ö", "o",
)

// FoldAccents removes the accents of Spanish (and common Latin) letters.
func FoldAccents(s string) string { return accentFolder.Replace(s) }

// Fold lower-cases and folds accents, for case- and accent-insensitive
// comparison and prefix search.
func Fold(s string) string { return FoldAccents(strings.ToLower(strings.TrimSpace(s))) }
