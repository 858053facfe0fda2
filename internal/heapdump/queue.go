package heapdump

// queueBlockLen is the largest length of a queue's blocks: 64 Ki
// indexes, 256 KiB. The first block is short, for small searches, and
// each new one twice the last.
const queueBlockLen = 1 << 16

// queue is the first-in first-out queue of a breadth-first search, in
// blocks that are recycled as they empty: it takes memory in proportion
// to the longest it has been, and makes no garbage as it grows.
type queue struct {
	blocks [][]uint32
	head   int // next to pop in blocks[0]
	spare  [][]uint32
	size   int // capacity of the last block made
}

func (q *queue) push(v uint32) {
	n := len(q.blocks)
	if n == 0 || len(q.blocks[n-1]) == cap(q.blocks[n-1]) {
		var b []uint32
		if k := len(q.spare); k > 0 {
			b, q.spare = q.spare[k-1][:0], q.spare[:k-1]
		} else {
			q.size = min(max(2*q.size, 1<<10), queueBlockLen)
			b = make([]uint32, 0, q.size)
		}
		q.blocks = append(q.blocks, b)
		n++
	}
	q.blocks[n-1] = append(q.blocks[n-1], v)
}

// pop returns the oldest value; ok is false when the queue is empty.
func (q *queue) pop() (v uint32, ok bool) {
	for len(q.blocks) > 0 {
		b := q.blocks[0]
		if q.head < len(b) {
			q.head++
			return b[q.head-1], true
		}
		if len(b) < cap(b) {
			return 0, false // the last block, not full: the queue is empty
		}
		q.spare = append(q.spare, b)
		q.blocks = q.blocks[1:]
		q.head = 0
	}
	return 0, false
}
