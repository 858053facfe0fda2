package inspect

import (
	"encoding/base64"
	"math"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/trackable"
)

type (
	tokenConn    struct{ trackable.Trackable }
	tokenSession struct{ trackable.Trackable }
)

func tokenView(complete bool, counts ...int64) view {
	types := []reflect.Type{reflect.TypeFor[tokenConn](), reflect.TypeFor[tokenSession]()}
	v := view{complete: complete}
	for i := 0; i+1 < len(counts); i += 2 {
		v.types = append(v.types, typeView{TypeCount: trackable.TypeCount{Type: types[i/2], Live: counts[i], Retired: counts[i+1]}})
	}
	return v
}

// A token holds the counts of its view, whatever they are.
func TestSinceTokenHoldsItsCounts(t *testing.T) {
	st := newSinceTokens()
	for _, v := range []view{
		tokenView(true),
		tokenView(false, 3, 1),
		tokenView(true, 0, 0, 1<<40, 7),
		tokenView(false, -2, 0, math.MaxInt64, math.MaxInt64), // live reads below zero while events race
	} {
		base, err := st.read(st.issue(v))
		require.NoError(t, err)
		assert.Equal(t, v.baseline(), base)
	}
}

// A token is read only by the handler that issued it, and only as
// issued: every change of a byte, every cut and every addition is
// refused.
func TestSinceTokenRefusesAnyChange(t *testing.T) {
	st := newSinceTokens()
	token := st.issue(tokenView(true, 3, 1, 5, 9))
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	for i := range raw {
		for _, bit := range []byte{1, 0x80} {
			changed := append([]byte(nil), raw...)
			changed[i] ^= bit
			_, err := st.read(base64.RawURLEncoding.EncodeToString(changed))
			assert.ErrorIs(t, err, errBadToken, "byte %d", i)
		}
		_, err := st.read(base64.RawURLEncoding.EncodeToString(raw[:i]))
		assert.ErrorIs(t, err, errBadToken, "cut at %d", i)
	}
	_, err = st.read(token + "AA")
	assert.ErrorIs(t, err, errBadToken)
	_, err = newSinceTokens().read(token)
	assert.ErrorIs(t, err, errBadToken, "another handler's token")
}

// Garbage never crashes the reader.
func FuzzSinceToken(f *testing.F) {
	st := newSinceTokens()
	issued := st.issue(tokenView(true, 3, 1, 5, 9))
	f.Add(issued)
	f.Add("")
	f.Add("AQEBAAgAT-XTAKKvHpTzko_2k77sBQ")
	f.Fuzz(func(t *testing.T, token string) {
		if base, err := st.read(token); err == nil && token != issued {
			// Only a token issued by st reads: the fuzzer found a MAC.
			t.Fatalf("read %q as %+v", token, base)
		}
	})
}
