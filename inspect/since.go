package inspect

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"reflect"
	"sync"
)

// sinceTokens issues and reads the tokens that ?since= takes. A token
// holds the counts of the view it came with, so that the handler keeps
// nothing per client: any number of clients, each with its own baseline,
// cost no memory, and one client's requests never move another's.
//
// A token is, in URL-safe base64:
//
//	version (1 byte, tokenVersion)
//	flags   (1 byte: bit 0 set when the view held every type)
//	n       (uvarint: the number of types)
//	n times: type number (uvarint), live (varint), retired (varint)
//	MAC     (the first macBytes of HMAC-SHA256 of all of the above)
//
// Type numbers are given by the handler in the order it first sees the
// types, and are good only for it: the handler keeps one per type the
// inventory counted, no more than the inventory itself keeps. The MAC's
// key is drawn when the handler is made: a token of another handler or
// process, or one altered or made up, is refused before anything in it
// is read.
type sinceTokens struct {
	key [32]byte

	mu      sync.Mutex
	numbers map[reflect.Type]uint64
	types   []reflect.Type // by number
}

const (
	tokenVersion = 1
	macBytes     = 16
	flagComplete = 1 << 0
)

var errBadToken = errors.New("not a since token of this handler")

func newSinceTokens() *sinceTokens {
	t := &sinceTokens{numbers: map[reflect.Type]uint64{}}
	// rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(t.key[:])
	return t
}

// issue returns the token of a view's counts.
func (st *sinceTokens) issue(v view) string {
	b := make([]byte, 0, 3+len(v.types)*8+macBytes)
	var flags byte
	if v.complete {
		flags |= flagComplete
	}
	b = append(b, tokenVersion, flags)
	b = binary.AppendUvarint(b, uint64(len(v.types)))
	st.mu.Lock()
	for _, tv := range v.types {
		n, ok := st.numbers[tv.Type]
		if !ok {
			n = uint64(len(st.types))
			st.numbers[tv.Type] = n
			st.types = append(st.types, tv.Type)
		}
		b = binary.AppendUvarint(b, n)
		b = binary.AppendVarint(b, tv.Live)
		b = binary.AppendVarint(b, tv.Retired)
	}
	st.mu.Unlock()
	b = append(b, st.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// read returns the baseline that a token holds, or errBadToken.
func (st *sinceTokens) read(token string) (*baseline, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 3+macBytes {
		return nil, errBadToken
	}
	body, mac := b[:len(b)-macBytes], b[len(b)-macBytes:]
	if !hmac.Equal(mac, st.mac(body)) || body[0] != tokenVersion {
		return nil, errBadToken
	}
	base := &baseline{complete: body[1]&flagComplete != 0}
	body = body[2:]
	n, body, ok := uvarint(body)
	// Each type takes at least 3 bytes: a count larger than what is left
	// is not believed (and would size the map).
	if !ok || n > uint64(len(body)/3) {
		return nil, errBadToken
	}
	base.counts = make(map[reflect.Type]counts, n)
	st.mu.Lock()
	defer st.mu.Unlock()
	for range n {
		var number uint64
		var c counts
		number, body, ok = uvarint(body)
		if ok {
			c.live, body, ok = varint(body)
		}
		if ok {
			c.retired, body, ok = varint(body)
		}
		if !ok || number >= uint64(len(st.types)) {
			return nil, errBadToken
		}
		base.counts[st.types[number]] = c
	}
	if len(body) != 0 {
		return nil, errBadToken
	}
	return base, nil
}

func (st *sinceTokens) mac(b []byte) []byte {
	h := hmac.New(sha256.New, st.key[:])
	h.Write(b)
	return h.Sum(nil)[:macBytes]
}

func uvarint(b []byte) (uint64, []byte, bool) {
	x, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, b, false
	}
	return x, b[n:], true
}

func varint(b []byte) (int64, []byte, bool) {
	x, n := binary.Varint(b)
	if n <= 0 {
		return 0, b, false
	}
	return x, b[n:], true
}
