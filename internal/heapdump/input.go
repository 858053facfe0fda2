package heapdump

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// FormatError is what Parse and ReadGraph return for input that is not a
// well-formed heap dump: a truncated file, a corrupt length, an unknown
// record.
type FormatError struct {
	// Offset is the byte offset in the dump at which the field being read
	// starts.
	Offset int64
	// Reading says what was expected there: "the address of an object".
	Reading string
	// Problem says what was wrong with it.
	Problem string
	// Err is the underlying read error, if any: io.ErrUnexpectedEOF when
	// the dump ends too early.
	Err error
}

// Error says where the dump is wrong, and how.
func (e *FormatError) Error() string {
	return fmt.Sprintf("heapdump: at byte %d, reading %s: %s", e.Offset, e.Reading, e.Problem)
}

// Unwrap returns the underlying read error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// bufferSize is how much of the dump input reads ahead. Object contents
// larger than this are read straight into their destination.
const bufferSize = 256 << 10

// stagedReadMin is the length above which, when the size of the input is
// unknown, contents are read in steps that grow only as bytes arrive, so
// that a corrupt length cannot make the parser allocate more memory than
// the input holds.
const stagedReadMin = 1 << 20

// input reads the primitive values of the format (uvarints, booleans,
// strings, byte ranges), knows at which byte offset it is, and checks every
// length it reads against the bytes left when it knows how many there are.
type input struct {
	src       io.Reader
	buf       []byte
	pos, end  int
	base      int64 // offset in the dump of buf[0]
	unread    int64 // bytes of src not yet in buf; -1 when unknown
	srcErr    error // the error src returned, once it has; io.EOF at the end
	lastField int64 // offset of the field being read, for errors
}

func newInput(r io.Reader) *input {
	in := &input{src: r, unread: -1}
	switch r := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		in.unread = int64(r.Len())
	case *os.File:
		if st, err := r.Stat(); err == nil && st.Mode().IsRegular() {
			if pos, err := r.Seek(0, io.SeekCurrent); err == nil && pos <= st.Size() {
				in.unread = st.Size() - pos
			}
		}
	}
	size := int64(bufferSize)
	if in.unread >= 0 {
		size = min(size, in.unread+1) // +1 to see the end without another read
	}
	in.buf = make([]byte, size)
	return in
}

// offset is the position in the dump of the next unread byte.
func (in *input) offset() int64 { return in.base + int64(in.pos) }

// left is the number of bytes left in the dump, or -1 when unknown.
func (in *input) left() int64 {
	if in.unread < 0 {
		return -1
	}
	return in.unread + int64(in.end-in.pos)
}

// fill moves the unread bytes to the front of buf and reads more after
// them. It reports whether at least one byte was added.
func (in *input) fill() bool {
	if in.srcErr != nil {
		return false
	}
	if in.pos > 0 {
		n := copy(in.buf, in.buf[in.pos:in.end])
		in.base += int64(in.pos)
		in.pos, in.end = 0, n
	}
	// A reader may return no bytes and no error; bufio gives up after
	// 100 such reads, and so does this.
	for range 100 {
		n, err := in.src.Read(in.buf[in.end:])
		in.end += n
		if in.unread >= 0 {
			in.unread = max(in.unread-int64(n), 0)
		}
		if err != nil {
			in.srcErr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	in.srcErr = io.ErrNoProgress
	return false
}

// fail makes the FormatError for the field that starts at in.lastField.
func (in *input) fail(what, problem string, err error) error {
	return &FormatError{Offset: in.lastField, Reading: what, Problem: problem, Err: err}
}

// truncated is the error for a dump that ends inside a field.
func (in *input) truncated(what string) error {
	if in.srcErr != nil && in.srcErr != io.EOF {
		return in.fail(what, "read error: "+in.srcErr.Error(), in.srcErr)
	}
	return in.fail(what, "the dump ends before it", io.ErrUnexpectedEOF)
}

// uvarint reads one uvarint, as runtime.dumpint writes it.
func (in *input) uvarint(what string) (uint64, error) {
	in.lastField = in.offset()
	if in.end-in.pos >= binary.MaxVarintLen64 {
		// The whole varint is in the buffer.
		v, n := binary.Uvarint(in.buf[in.pos:in.end])
		if n <= 0 {
			return 0, in.fail(what, "a varint of more than 64 bits", nil)
		}
		in.pos += n
		return v, nil
	}
	var b [binary.MaxVarintLen64]byte
	for k := range b {
		if in.pos == in.end && !in.fill() {
			return 0, in.truncated(what)
		}
		b[k] = in.buf[in.pos]
		in.pos++
		if b[k] < 0x80 {
			v, n := binary.Uvarint(b[:k+1])
			if n <= 0 {
				break
			}
			return v, nil
		}
	}
	return 0, in.fail(what, "a varint of more than 64 bits", nil)
}

// boolean reads a uvarint that must be 0 or 1.
func (in *input) boolean(what string) (bool, error) {
	v, err := in.uvarint(what)
	if err != nil {
		return false, err
	}
	if v > 1 {
		return false, in.fail(what, fmt.Sprintf("found %d where a boolean (0 or 1) belongs", v), nil)
	}
	return v == 1, nil
}

// length reads the length that precedes a byte range and checks it
// against the bytes left in the dump, when known.
func (in *input) length(what string) (int, error) {
	n, err := in.uvarint(what)
	if err != nil {
		return 0, err
	}
	if left := in.left(); left >= 0 && n > uint64(left) {
		return 0, in.fail(what, fmt.Sprintf("a length of %d bytes, but only %d bytes are left", n, left), io.ErrUnexpectedEOF)
	}
	if n > maxLength || n > math.MaxInt {
		return 0, in.fail(what, fmt.Sprintf("a length of %d bytes, more than a process can hold", n), nil)
	}
	return int(n), nil
}

// maxLength bounds any length read from a dump whose size is unknown.
const maxLength = 1<<40 - 1

// str reads a length-prefixed string.
func (in *input) str(what string) (string, error) {
	n, err := in.length(what)
	if err != nil {
		return "", err
	}
	start := in.lastField
	if n <= in.end-in.pos {
		s := string(in.buf[in.pos : in.pos+n])
		in.pos += n
		return s, nil
	}
	b, err := in.bytes(what, n, func(n int) []byte { return make([]byte, n) })
	in.lastField = start
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// bytes reads n bytes into a buffer that alloc returns, of length n. When
// the size of the dump is unknown and n is large, the bytes are first
// read in growing steps, so that a corrupt length fails at the end of the
// input instead of allocating n bytes.
func (in *input) bytes(what string, n int, alloc func(int) []byte) ([]byte, error) {
	if in.left() < 0 && n > stagedReadMin {
		staged, err := in.staged(what, n)
		if err != nil {
			return nil, err
		}
		dst := alloc(n)
		copy(dst, staged)
		return dst, nil
	}
	dst := alloc(n)
	if err := in.readFull(what, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// staged reads n bytes into a slice that grows as they arrive.
func (in *input) staged(what string, n int) ([]byte, error) {
	b := make([]byte, 0, stagedReadMin)
	for len(b) < n {
		step := min(n-len(b), max(len(b), stagedReadMin))
		b = slices.Grow(b, step)[:len(b)+step]
		if err := in.readFull(what, b[len(b)-step:]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readFull fills dst from the buffer, and from src directly once the
// buffer is empty and dst is larger than the buffer.
func (in *input) readFull(what string, dst []byte) error {
	for len(dst) > 0 {
		if in.pos == in.end {
			if len(dst) >= len(in.buf) && in.srcErr == nil {
				n, err := io.ReadFull(in.src, dst)
				in.base += int64(in.end) + int64(n)
				in.pos, in.end = 0, 0
				if in.unread >= 0 {
					in.unread = max(in.unread-int64(n), 0)
				}
				if err != nil {
					if errors.Is(err, io.ErrUnexpectedEOF) {
						err = io.EOF
					}
					in.srcErr = err
					return in.truncated(what)
				}
				return nil
			}
			if !in.fill() {
				return in.truncated(what)
			}
		}
		n := copy(dst, in.buf[in.pos:in.end])
		in.pos += n
		dst = dst[n:]
	}
	return nil
}
