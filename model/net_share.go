package model

import (
	"cmp"
	"reflect"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"inceptionlab/model/internal/ops"
)

// shareBuffers lets owned outputs (see ownedOutputs) whose lifetimes do not overlap share backing arrays,
// so a step needs memory for what is alive at once (forward activations until their backward use, a few
// gradients) instead of one buffer per node. order is the machine's execution order; keep lists nodes
// whose values are read after the run (losses, logits, parameter gradients), which stay private.
//
// A node's buffer lives from its own instruction to the last instruction reading it, extended (to a
// fixpoint) through consumers that may alias it: ops that overwrite an input in place or return a view
// (OverwritesInput >= 0, ReturnsPtr), and gorgonia ops that the compiled machine places in the same
// register later (they may write into the register's old value through UsePreallocDo). Intervals are
// then packed greedily onto buffers, each as large as its largest user. It returns the bytes of the
// shared arrays; outputs it does not assign stay private and are allocated on first use.
func shareBuffers(vm G.VM, order G.Nodes, keep G.Nodes) int64 {
	pos := make(map[*G.Node]int, len(order))
	for i, n := range order {
		pos[n] = i
	}
	end := make(map[*G.Node]int, len(order))
	for i, n := range order {
		end[n] = max(end[n], i)
		for _, ch := range childrenOf(n) {
			end[ch] = max(end[ch], i)
		}
	}
	for _, n := range keep {
		end[n] = len(order)
	}
	owned := func(n *G.Node) *ops.OutSlot {
		if s := ops.SlotOf(n.Op()); s != nil && s.Enabled() {
			return s
		}
		return nil
	}
	regs := registerRuns(vm, order, pos)
	for changed := true; changed; {
		changed = false
		extend := func(n *G.Node, to int) {
			if to > end[n] {
				end[n], changed = to, true
			}
		}
		for i := len(order) - 1; i >= 0; i-- {
			c := order[i]
			if op := c.Op(); op != nil && (op.OverwritesInput() >= 0 || op.ReturnsPtr()) {
				for _, ch := range childrenOf(c) {
					extend(ch, end[c])
				}
			}
		}
		for _, run := range regs {
			var holder *G.Node
			for _, n := range run {
				switch {
				case owned(n) != nil:
					holder = n
				case holder != nil:
					extend(holder, end[n])
				}
			}
		}
	}

	isKept := map[*G.Node]bool{}
	for _, n := range keep {
		isKept[n] = true
	}
	type buffer struct {
		dt      tensor.Dtype
		size    int
		freeAt  int // last instruction of the current user
		members []*G.Node
	}
	var bufs []*buffer
	for i, n := range order {
		if owned(n) == nil || isKept[n] {
			continue
		}
		size, dt := n.Shape().TotalSize(), n.Dtype()
		var best *buffer
		for _, b := range bufs {
			if b.dt != dt || b.freeAt >= i {
				continue
			}
			// Prefer the smallest buffer that fits, else the largest (which then grows least).
			switch {
			case best == nil:
				best = b
			case b.size >= size && (best.size < size || b.size < best.size):
				best = b
			case b.size < size && best.size < size && b.size > best.size:
				best = b
			}
		}
		if best == nil {
			best = &buffer{dt: dt}
			bufs = append(bufs, best)
		}
		best.size = max(best.size, size)
		best.freeAt = end[n]
		best.members = append(best.members, n)
	}
	var bytes int64
	for _, b := range bufs {
		var backing any
		switch b.dt {
		case tensor.Float32:
			backing = make([]float32, b.size)
			bytes += int64(b.size) * 4
		case tensor.Float64:
			backing = make([]float64, b.size)
			bytes += int64(b.size) * 8
		default:
			continue
		}
		for _, n := range b.members {
			size := n.Shape().TotalSize()
			var data any
			switch s := backing.(type) {
			case []float32:
				data = s[:size:size]
			case []float64:
				data = s[:size:size]
			}
			owned(n).SetOutput(tensor.New(tensor.WithShape(n.Shape()...), tensor.WithBacking(data)))
		}
	}
	return bytes
}

// childrenOf lists a node's inputs.
func childrenOf(n *G.Node) []*G.Node {
	var out []*G.Node
	it := n.Graph().From(n.ID())
	for it.Next() {
		if c, ok := it.Node().(*G.Node); ok {
			out = append(out, c)
		}
	}
	return out
}

// registerRuns groups the nodes of order by the TapeMachine register that holds their values (read
// through the machine's LocMap method), each group in execution order. Without that method every node
// counts as alone in its register, which is only correct if the machine never reuses registers, so
// shareBuffers is then skipped by the caller (see execOrder).
func registerRuns(vm G.VM, order G.Nodes, pos map[*G.Node]int) [][]*G.Node {
	locs, ok := locMap(vm)
	if !ok {
		return nil
	}
	byReg := map[int64][]*G.Node{}
	for n, r := range locs {
		if _, in := pos[n]; in {
			byReg[r] = append(byReg[r], n)
		}
	}
	runs := make([][]*G.Node, 0, len(byReg))
	for _, run := range byReg {
		slices.SortFunc(run, func(a, b *G.Node) int { return cmp.Compare(pos[a], pos[b]) })
		runs = append(runs, run)
	}
	slices.SortFunc(runs, func(a, b []*G.Node) int { return cmp.Compare(pos[a[0]], pos[b[0]]) })
	return runs
}

// locMap reads the node -> register id map of a gorgonia TapeMachine.
func locMap(vm G.VM) (map[*G.Node]int64, bool) {
	m := reflect.ValueOf(vm).MethodByName("LocMap")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 || m.Type().Out(0).Kind() != reflect.Map {
		return nil, false
	}
	out := map[*G.Node]int64{}
	for it := m.Call(nil)[0].MapRange(); it.Next(); {
		n, ok := it.Key().Interface().(*G.Node)
		r := it.Value()
		if !ok || r.Kind() != reflect.Struct {
			return nil, false
		}
		id := r.FieldByName("id")
		if !id.IsValid() || id.Kind() != reflect.Int {
			return nil, false
		}
		out[n] = id.Int()
	}
	return out, true
}

// execOrder is the order in which a TapeMachine compiled from g runs its nodes (gorgonia's Compile
// executes the reverse of Sort), or false when buffers must not be shared: the order is unavailable or
// the machine's register map cannot be read.
func execOrder(g *G.ExprGraph, vm G.VM) (G.Nodes, bool) {
	if _, ok := locMap(vm); !ok {
		return nil, false
	}
	sorted, err := G.Sort(g)
	if err != nil {
		return nil, false
	}
	order := slices.Clone(sorted)
	slices.Reverse(order)
	return order, true
}
