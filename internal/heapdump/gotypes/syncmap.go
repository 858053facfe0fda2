package gotypes

import "debug/dwarf"

// A sync.Map (Go 1.24's, internal/sync.HashTrieMap[any, any]) is a trie:
// its root points to an indirect node, whose children point to indirect
// nodes or to entries, and an entry holds a key, a value, and an
// overflow pointer to the next entry of the same hash. Both kinds of node
// start with a bool that tells them apart. The path reads m.Load(key):
// SyncMap is the layout it needs.

// SyncMap is the layout of a sync.Map's nodes.
type SyncMap struct {
	// Children is the offset and the size of an indirect node's
	// children, the array of pointers to nodes.
	Children, ChildrenSize int64
	// Overflow, Key and Value are the offsets in an entry of its
	// overflow pointer, and of its key and value (interfaces).
	Overflow, Key, Value int64
}

// SyncMapOf returns the layout of sync.Map's nodes, or false if the
// program's DWARF does not describe them as it expects.
func (t *Types) SyncMapOf() (SyncMap, bool) {
	const args = "[interface {},interface {}]"
	ind, ok1 := t.ByName("internal/sync.indirect" + args)
	ent, ok2 := t.ByName("internal/sync.entry" + args)
	if !ok1 || !ok2 {
		return SyncMap{}, false
	}
	is, ok1 := underlying(ind).(*dwarf.StructType)
	es, ok2 := underlying(ent).(*dwarf.StructType)
	if !ok1 || !ok2 {
		return SyncMap{}, false
	}
	children, overflow, key, value := field(is, "children"), field(es, "overflow"), field(es, "key"), field(es, "value")
	if children == nil || overflow == nil || key == nil || value == nil {
		return SyncMap{}, false
	}
	return SyncMap{
		Children: children.ByteOffset, ChildrenSize: children.Type.Size(),
		Overflow: overflow.ByteOffset, Key: key.ByteOffset, Value: value.ByteOffset,
	}, true
}

// syncMapRoot returns the offset, in a sync.Map, of its trie's root
// pointer (m.root.v).
func syncMapRoot(t *dwarf.StructType) (int64, bool) {
	off := int64(0)
	typ := dwarf.Type(t)
	for _, name := range []string{"m", "root", "v"} {
		s, ok := underlying(typ).(*dwarf.StructType)
		if !ok {
			return 0, false
		}
		f := field(s, name)
		if f == nil {
			return 0, false
		}
		off += f.ByteOffset
		typ = f.Type
	}
	return off, true
}
