// Package password hashes and checks Loom passwords with Argon2id, stored as
// PHC strings: $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>,
// salt and hash in unpadded standard base64.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the Argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// Default follows the OWASP recommendation for Argon2id (19 MiB, 2 passes,
// 1 lane): affordable on a small server that checks many logins at once.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMalformed reports a stored hash that is not an Argon2id PHC string Loom accepts.
var ErrMalformed = errors.New("password: malformed Argon2id PHC string")

// Bounds on parameters read back from storage, so a corrupt row cannot make a
// login allocate gigabytes or loop for minutes.
const (
	maxMemory  = 1 << 21 // 2 GiB
	maxTime    = 64
	minSaltLen = 8
	maxLen     = 128
	minKeyLen  = 16
)

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of plain under p, with a fresh random salt.
func Hash(plain string, p Params) (string, error) {
	if p.Threads == 0 || p.Time == 0 || p.Memory < 8*uint32(p.Threads) || p.SaltLen < minSaltLen || p.KeyLen < minKeyLen {
		return "", fmt.Errorf("password: unusable Argon2id parameters %+v", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether plain matches the PHC string encoded, comparing in
// constant time.
func Verify(plain, encoded string) (bool, error) {
	p, salt, key, err := parse(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be read), so a login that just proved the password should store
// a new hash.
func NeedsRehash(encoded string, p Params) bool {
	got, _, _, err := parse(encoded)
	return err != nil || got != p
}

func parse(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrMalformed
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, ErrMalformed
	}
	if threads == 0 || threads > 255 || p.Time == 0 || p.Time > maxTime || p.Memory < 8*threads || p.Memory > maxMemory {
		return p, nil, nil, ErrMalformed
	}
	p.Threads = uint8(threads)
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSaltLen || len(salt) > maxLen {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < minKeyLen || len(key) > maxLen {
		return p, nil, nil, ErrMalformed
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
