package match

import "unicode/utf8"

// latin1Fold maps the letters of the Latin-1 supplement (U+00C0–U+00FF) to
// their lower-case ASCII base letter, or 0 for symbols (×, ÷, ß handled as
// "s"). Spanish needs á é í ó ú ü ñ; the rest comes for free.
var latin1Fold = [64]byte{
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // C0–CF
	'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y', 0, 's', // D0–DF
	'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', // E0–EF
	'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y', 0, 'y', // F0–FF
}

// foldByte returns the folded form of an ASCII byte: lower-case letters and
// digits are kept, upper-case letters lowered, everything else is 0 (a
// separator).
func foldByte(c byte) byte {
	switch {
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return c
	case c >= 'A' && c <= 'Z':
		return c + ('a' - 'A')
	}
	return 0
}

// span is one token of a folded text: buf[start:end].
type span struct{ start, end int32 }

// tokenizer folds text into lower-case ASCII words: accents and case are
// folded ("Nación" → "nacion"; SECOP I's mangled "CONTRATACIoN" →
// "contratacion"), and every character that is not a letter or a digit
// separates words, so matching whole tokens is matching on word boundaries.
// A tokenizer is reused across texts to avoid allocations.
type tokenizer struct {
	buf   []byte
	spans []span
	// breaks marks, for each token, that a text boundary or a strong
	// punctuation mark (';', '.', ':', '(', ')') precedes it.
	breaks []bool
}

func (t *tokenizer) reset() {
	t.buf, t.spans, t.breaks = t.buf[:0], t.spans[:0], t.breaks[:0]
}

// add folds s and appends its tokens; the first token of s starts a new
// text (no phrase spans two texts).
func (t *tokenizer) add(s string) {
	inTok := false
	pendingBreak := true
	start := 0
	endTok := func() {
		if inTok {
			t.spans = append(t.spans, span{int32(start), int32(len(t.buf))})
			t.breaks = append(t.breaks, pendingBreak)
			pendingBreak = false
			inTok = false
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		var f byte
		if c < utf8.RuneSelf {
			f = foldByte(c)
			i++
			if f == 0 {
				endTok()
				switch c {
				case ';', '.', ':', '(', ')', '\n':
					// A dot inside a token run ("S.A.S", "3.0") is not a
					// clause break for our purposes; only mark breaks on
					// ';' ':' and parentheses and line ends.
					if c != '.' {
						pendingBreak = true
					}
				}
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r >= 0xC0 && r <= 0xFF {
				f = latin1Fold[r-0xC0]
			}
			if f == 0 {
				endTok()
				continue
			}
		}
		if !inTok {
			inTok = true
			start = len(t.buf)
			if len(t.buf) > 0 {
				t.buf = append(t.buf, ' ')
				start++
			}
		}
		t.buf = append(t.buf, f)
	}
	endTok()
}

// word returns token i.
func (t *tokenizer) word(i int) []byte {
	sp := t.spans[i]
	return t.buf[sp.start:sp.end]
}

// foldWords folds s into its words (allocating; for index building and
// other cold paths).
func foldWords(s string) []string {
	var t tokenizer
	t.add(s)
	out := make([]string, len(t.spans))
	for i := range t.spans {
		out[i] = string(t.word(i))
	}
	return out
}

// foldJoin folds s and joins its words with single spaces: "SIIF-Nación" →
// "siif nacion".
func foldJoin(s string) string {
	var t tokenizer
	t.add(s)
	return string(t.buf)
}
