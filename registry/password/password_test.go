package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h := Argon2id{Memory: 8 * 1024}
	enc, err := h.Hash("correcto caballo batería")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=8192,t=1,p=2$") {
		t.Errorf("unexpected encoding %q", enc)
	}
	if !h.Verify(enc, "correcto caballo batería") {
		t.Error("the right password must verify")
	}
	if h.Verify(enc, "correcto caballo bateria") {
		t.Error("a wrong password must not verify")
	}
	other, _ := h.Hash("correcto caballo batería")
	if other == enc {
		t.Error("two hashes of one password must differ (salt)")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=99999999,t=1,p=2$AAAA$AAAA"} {
		if h.Verify(bad, "x") {
			t.Errorf("malformed hash %q must not verify", bad)
		}
	}
}
