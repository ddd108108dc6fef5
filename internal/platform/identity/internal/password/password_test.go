package password

import (
	"strings"
	"testing"
)

var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("PHC string = %q", h)
	}
	if ok, err := Verify("correct horse", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := Verify("correct horsE", h); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	h2, _ := Hash("correct horse", cheap)
	if h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := Hash("pw", cheap)
	if NeedsRehash(h, cheap) {
		t.Fatal("same parameters need no rehash")
	}
	stronger := cheap
	stronger.Time = 2
	if !NeedsRehash(h, stronger) || !NeedsRehash("", cheap) {
		t.Fatal("changed parameters or a missing hash need a rehash")
	}
}

func TestMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5",
	} {
		if ok, err := Verify("pw", s); ok || err != ErrMalformed {
			t.Errorf("Verify(%q) = %v, %v; want ErrMalformed", s, ok, err)
		}
	}
}
