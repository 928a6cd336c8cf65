package arch

// GroupCount is one row of the per-block table: the parameters (weights + biases, as Keras'
// model.summary() counts them) and multiply-accumulates for one image of every layer in a group, and the
// group's output shape (that of its last layer).
type GroupCount struct {
	Name   string
	Params int64
	MACs   int64
	Out    Shape
	Aux    bool // the group belongs to an aux head (not run at inference)
}

// Groups returns one row per layer group in network order (the input layer is not a row). Aux heads appear
// right after the block they follow.
func (p *Plan) Groups() []GroupCount {
	var rows []GroupCount
	index := map[string]int{}
	for i, l := range p.Layers {
		if l.Kind == KindInput {
			continue
		}
		j, ok := index[l.Group]
		if !ok {
			j = len(rows)
			index[l.Group] = j
			rows = append(rows, GroupCount{Name: l.Group, Aux: p.Aux[i]})
		}
		rows[j].Params += l.Params
		rows[j].MACs += l.MACs
		rows[j].Out = l.Out
	}
	return rows
}

// TotalParams is the number of trainable parameters; includeAux adds the aux heads' parameters.
func (p *Plan) TotalParams(includeAux bool) int64 {
	var n int64
	for i, l := range p.Layers {
		if includeAux || !p.Aux[i] {
			n += l.Params
		}
	}
	return n
}

// TotalMACs is the multiply-accumulate count of one forward pass for one image; includeAux adds the aux
// heads (run only in training). Without aux this is the inference cost the paper's "1.5 billion" refers to.
func (p *Plan) TotalMACs(includeAux bool) int64 {
	var n int64
	for i, l := range p.Layers {
		if includeAux || !p.Aux[i] {
			n += l.MACs
		}
	}
	return n
}

// Weights is the parameter count of a group without biases, the paper's counting (biases = output
// channels of each conv and dense layer in the group).
func (p *Plan) Weights(group string) int64 {
	var n int64
	for _, l := range p.Layers {
		if l.Group == group && (l.Kind == KindConv || l.Kind == KindDense) {
			n += l.Params - int64(l.Out.C)
		}
	}
	return n
}

// LayerIndex returns the index of the layer called name, or -1.
func (p *Plan) LayerIndex(name string) int {
	for i, l := range p.Layers {
		if l.Name == name {
			return i
		}
	}
	return -1
}
