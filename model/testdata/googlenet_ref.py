#!/usr/bin/python3
"""PyTorch reference GoogLeNet (Inception v1) for inceptionlab's cross-check (model/crosscheck_test.go).

An independent implementation of the network the Go package builds (model/arch), written from the
tutorial's Keras seed and the GoogLeNet paper rather than from the Go code: NCHW, every convolution with
bias and ReLU, TF 'SAME' padding, no LRN, no batch normalisation.

  stem:   conv 7x7/2 (SAME) - maxpool 3/2 (SAME) - conv 1x1 - conv 3x3 (SAME) - maxpool 3/2 (SAME)
  blocks: Inception modules in stage order, a maxpool 3/2 (SAME) between stages (3 -> 4 -> 5)
  head:   global average pool - dropout - dense
  aux:    after the named blocks: avgpool 5/3 'valid' when the map is >= 5x5, else adaptive average pool
          to 4x4 - conv 1x1 - flatten (NCHW order) - dropout - dense + ReLU - dropout - dense

TF 'SAME' for stride s, kernel k, input n: out = ceil(n/s), pad_total = max((out-1)*s + k - n, 0),
pad_before = pad_total//2, pad_after = the rest (so 7x7/2 on 224 pads (2, 3)); max-pool padding never
wins a max (-inf).

The channel widths are not fixed here: build() reads them from the parameter tensors it is given (the
shapes of conv and dense weights), so any model.width and channel table can be checked, and the
inceptionlab parameter names map one to one onto this module's state_dict keys (torch_key).
Variants: reduce (1x1 reductions before the 3x3 and 5x5) or naive (paper Fig. 2a), with or without the
pool branch's 1x1 projection.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def tf_same_pad(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


class SameConv(nn.Module):
    """Conv2d + ReLU with TF SAME padding (symmetric k//2 at stride 1, computed per input otherwise)."""

    def __init__(self, cin, cout, k, stride=1):
        super().__init__()
        self.k, self.s = k, stride
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=(k // 2 if stride == 1 else 0), bias=True)

    def forward(self, x):
        if self.s > 1:
            ph = tf_same_pad(x.shape[2], self.k, self.s)
            pw = tf_same_pad(x.shape[3], self.k, self.s)
            x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
        return F.relu(self.conv(x))


class SameMaxPool(nn.Module):
    def __init__(self, k=3, stride=2):
        super().__init__()
        self.k, self.s = k, stride

    def forward(self, x):
        ph = tf_same_pad(x.shape[2], self.k, self.s)
        pw = tf_same_pad(x.shape[3], self.k, self.s)
        x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]), value=float("-inf"))
        return F.max_pool2d(x, self.k, self.s)


class Inception(nn.Module):
    def __init__(self, cin, w):
        """w: the branch widths {c1, c3r, c3, c5r, c5, pp}; c3r/c5r None = naive, pp None = bare pool."""
        super().__init__()
        self.b1 = SameConv(cin, w["c1"], 1)
        if w["c3r"] is not None:
            self.b2 = nn.Sequential(SameConv(cin, w["c3r"], 1), SameConv(w["c3r"], w["c3"], 3))
            self.b3 = nn.Sequential(SameConv(cin, w["c5r"], 1), SameConv(w["c5r"], w["c5"], 5))
        else:
            self.b2 = SameConv(cin, w["c3"], 3)
            self.b3 = SameConv(cin, w["c5"], 5)
        if w["pp"] is not None:
            self.b4 = nn.Sequential(SameMaxPool(3, 1), SameConv(cin, w["pp"], 1))
            self.out_channels = w["c1"] + w["c3"] + w["c5"] + w["pp"]
        else:
            self.b4 = SameMaxPool(3, 1)
            self.out_channels = w["c1"] + w["c3"] + w["c5"] + cin

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)


class Aux(nn.Module):
    def __init__(self, cin, conv, fc1, classes, dropout):
        super().__init__()
        self.conv = SameConv(cin, conv, 1)
        self.fc1 = nn.Linear(16 * conv, fc1)
        self.fc2 = nn.Linear(fc1, classes)
        self.p = dropout

    def forward(self, x):
        if min(x.shape[2:]) >= 5:
            x = F.avg_pool2d(x, 5, 3)
        else:
            x = F.adaptive_avg_pool2d(x, 4)
        x = torch.flatten(self.conv(x), 1)
        x = F.dropout(x, self.p, self.training)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, self.p, self.training)
        return self.fc2(x)


def stage(name):
    digits = ""
    for ch in name:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits)


class GoogLeNet(nn.Module):
    def __init__(self, in_ch, stem, blocks, aux_after, aux, classes, dropout=0.4, aux_dropout=0.5):
        """stem: (c1, c2r, c2); blocks: [(name, widths)] in order; aux: (conv, fc1) widths."""
        super().__init__()
        c1, c2r, c2 = stem
        self.stem = nn.Sequential(SameConv(in_ch, c1, 7, 2), SameMaxPool(3, 2), SameConv(c1, c2r, 1),
                                  SameConv(c2r, c2, 3), SameMaxPool(3, 2))
        self.blocks = nn.ModuleDict()
        self.order = []
        c, prev = c2, None
        aux_in = {}
        for name, w in blocks:
            if prev is not None and stage(name) != stage(prev):
                self.order.append(("pool", None))
            m = Inception(c, w)
            self.blocks[name] = m
            self.order.append(("block", name))
            c, prev = m.out_channels, name
            aux_in[name] = c
        self.aux_after = list(aux_after)
        for k, name in enumerate(self.aux_after):
            setattr(self, f"aux{k + 1}", Aux(aux_in[name], aux[0], aux[1], classes, aux_dropout))
        self.fc = nn.Linear(c, classes)
        self.p = dropout

    def forward(self, x, with_aux=None):
        """Returns the main logits and, when with_aux (default: in training mode), the aux logits."""
        if with_aux is None:
            with_aux = self.training
        x = self.stem(x)
        auxes = []
        for kind, name in self.order:
            if kind == "pool":
                x = SameMaxPool(3, 2)(x)
                continue
            x = self.blocks[name](x)
            if with_aux:
                for k, after in enumerate(self.aux_after):
                    if after == name:
                        auxes.append((k, getattr(self, f"aux{k + 1}")(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        x = self.fc(F.dropout(x, self.p, self.training))
        return x, [a for _, a in sorted(auxes, key=lambda t: t[0])]


# inceptionlab parameter layer names -> this module's submodules
STEM = {"conv1_7x7_s2": "stem.0.conv", "conv2_3x3_reduce": "stem.2.conv", "conv2_3x3": "stem.3.conv"}
BRANCH_REDUCE = {"b1_1x1": "b1.conv", "b2_3x3_reduce": "b2.0.conv", "b2_3x3": "b2.1.conv",
                 "b3_5x5_reduce": "b3.0.conv", "b3_5x5": "b3.1.conv", "b4_pool_proj": "b4.1.conv"}
BRANCH_NAIVE = {"b1_1x1": "b1.conv", "b2_3x3": "b2.conv", "b3_5x5": "b3.conv", "b4_pool_proj": "b4.1.conv"}
AUX = {"conv": "conv.conv", "fc1": "fc1", "fc2": "fc2"}


def torch_key(name, reduce):
    """inceptionlab parameter name -> state_dict key, or None when there is no counterpart."""
    layer, _, kind = name.rpartition("/")
    suffix = {"w": "weight", "b": "bias"}.get(kind)
    if suffix is None or not layer:
        return None
    if layer in STEM:
        return f"{STEM[layer]}.{suffix}"
    if layer == "fc":
        return f"fc.{suffix}"
    head, _, rest = layer.partition("/")
    if head.startswith("inception_"):
        table = BRANCH_REDUCE if reduce else BRANCH_NAIVE
        if rest in table:
            return f"blocks.{head[len('inception_'):]}.{table[rest]}.{suffix}"
        return None
    if head.startswith("aux") and rest in AUX:
        return f"{head}.{AUX[rest]}.{suffix}"
    return None


def build(params, block_names, aux_after, classes, in_ch, dropout=0.4, aux_dropout=0.5):
    """Builds the network whose widths the inceptionlab parameters (name -> tensor) imply and loads
    them with load_state_dict(strict=True). Returns (model, problems): problems lists names without a
    counterpart or a clash; load errors raise RuntimeError."""
    def out_ch(layer):
        t = params.get(layer + "/w")
        return None if t is None else int(t.shape[0])

    reduce = any(n.endswith("b2_3x3_reduce/w") for n in params)
    stem = (out_ch("conv1_7x7_s2"), out_ch("conv2_3x3_reduce"), out_ch("conv2_3x3"))
    blocks = []
    for name in block_names:
        pre = f"inception_{name}/"
        blocks.append((name, {"c1": out_ch(pre + "b1_1x1"), "c3r": out_ch(pre + "b2_3x3_reduce"),
                              "c3": out_ch(pre + "b2_3x3"), "c5r": out_ch(pre + "b3_5x5_reduce"),
                              "c5": out_ch(pre + "b3_5x5"), "pp": out_ch(pre + "b4_pool_proj")}))
    aux = (out_ch("aux1/conv"), out_ch("aux1/fc1")) if aux_after else (0, 0)
    problems = [f"missing {p}" for p, v in [("conv1_7x7_s2/w", stem[0]), ("conv2_3x3_reduce/w", stem[1]),
                                             ("conv2_3x3/w", stem[2])] if v is None]
    for name, w in blocks:
        for k in ("c1", "c3", "c5"):
            if w[k] is None:
                problems.append(f"block {name}: missing the {k} branch")
    if problems:
        return None, problems
    model = GoogLeNet(in_ch, stem, blocks, aux_after, aux, classes, dropout, aux_dropout)
    state = {}
    for name, t in params.items():
        key = torch_key(name, reduce)
        if key is None:
            problems.append(f"no torch counterpart for {name}")
        elif key in state:
            problems.append(f"{name} maps to {key}, already taken")
        else:
            state[key] = t
    if problems:
        return None, problems
    model.load_state_dict(state, strict=True)
    return model, []
