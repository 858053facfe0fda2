package trackable_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/objtrack/objtrack/trackable"
)

// Account embeds Trackable; plainAccount is the same struct without it.
type Account struct {
	trackable.Trackable
	XMLName xml.Name `xml:"account"`
	Name    string
	Balance int
	Tags    []string
	Owner   *Owner
}

type plainAccount struct {
	XMLName xml.Name `xml:"account"`
	Name    string
	Balance int
	Tags    []string
	Owner   *Owner
}

type Owner struct{ Email string }

func sampleAccount() (*Account, *plainAccount) {
	a := trackable.Track(&Account{XMLName: xml.Name{Local: "account"}, Name: "ann", Balance: 12, Tags: []string{"gold"}, Owner: &Owner{"ann@example.com"}})
	a.SetDataBundle("bundles are not encoded")
	return a, &plainAccount{XMLName: xml.Name{Local: "account"}, Name: "ann", Balance: 12, Tags: []string{"gold"}, Owner: &Owner{"ann@example.com"}}
}

func TestJSONAsIfNotEmbedded(t *testing.T) {
	a, p := sampleAccount()
	got, err := json.Marshal(a)
	require.NoError(t, err)
	want, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	var back Account
	require.NoError(t, json.Unmarshal(got, &back))
	assert.EqualExportedValues(t, a, &back)
	assert.Zero(t, back.TrackerSerial(), "a decoded value is a new, untracked object")
	trackable.Track(&back)
	assert.NotZero(t, back.TrackerSerial())
}

func TestXMLAsIfNotEmbedded(t *testing.T) {
	a, p := sampleAccount()
	got, err := xml.Marshal(a)
	require.NoError(t, err)
	want, err := xml.Marshal(p)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	var back Account
	require.NoError(t, xml.Unmarshal(got, &back))
	assert.EqualExportedValues(t, a, &back)
}

func gobRoundTrip(t *testing.T, in, out any) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gob.NewEncoder(&buf).Encode(in))
	require.NoError(t, gob.NewDecoder(&buf).Decode(out))
}

func TestGobAsIfNotEmbedded(t *testing.T) {
	a, p := sampleAccount()

	var same Account
	gobRoundTrip(t, a, &same)
	assert.EqualExportedValues(t, a, &same)
	assert.Zero(t, same.TrackerSerial())

	var plain plainAccount
	gobRoundTrip(t, a, &plain) // a decoder without the embedding
	assert.Equal(t, *p, plain)

	var fromPlain Account
	gobRoundTrip(t, p, &fromPlain) // an encoder without the embedding
	assert.EqualExportedValues(t, a, &fromPlain)
}

func TestGobOfBareEmbeddingFailsWithoutTheFix(t *testing.T) {
	// The failure the exported empty field prevents: an embedded struct
	// with no exported fields.
	type Hidden struct {
		n *int //lint:ignore U1000 only here to leave Hidden without exported fields
	}
	type naiveExported struct {
		Hidden
		Name string
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(naiveExported{Name: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no exported fields")
}

func TestComparingInTests(t *testing.T) {
	a, _ := sampleAccount()
	var back Account
	gobRoundTrip(t, a, &back)
	assert.False(t, reflect.DeepEqual(a, &back), "the tracking state differs, so DeepEqual does not hold")
	assert.True(t, assert.ObjectsAreEqualValues(a.Name, back.Name))
	assert.EqualExportedValues(t, a, &back, "compare the exported fields instead")
}
