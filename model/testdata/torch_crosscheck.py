#!/usr/bin/python3
"""Cross-check inceptionlab's GoogLeNet against the independent PyTorch reference.

Reads a safetensors file written by inceptionlab (model.WriteSafetensors): every parameter of a model
under its stable inceptionlab name plus one tensor "input" of shape (N, C, H, W). Builds
googlenet_torch.GoogLeNet from the bench directory, maps each inceptionlab name to its state_dict key
(the explicit table below), loads with strict=True (every key present, no extra keys, every shape equal),
runs the network in eval mode and writes a safetensors file with "logits" (N, num_classes) and, when the
model has aux heads, "aux1" and "aux2": the aux heads applied in eval mode to the outputs of blocks 4a
and 4d (captured with forward hooks), so their weights are checked numerically too.

The safetensors format is parsed with json + struct + torch.frombuffer; no safetensors package needed.

usage: torch_crosscheck.py --bench DIR --in IN.safetensors --out OUT.safetensors
                           --num-classes N [--naive] [--no-pool-proj] [--no-aux] [--in-ch C]
       torch_crosscheck.py --bench DIR --jobs JOBS.json     (many checks, one torch start-up)
Exit status 0 on success; on a mapping or load problem it prints the problem to stderr (with --jobs:
writes it to <out>.err) and exits 1.
"""
import argparse
import json
import os
import struct
import sys


def read_safetensors(path):
    import torch
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        data = bytearray(os.fstat(f.fileno()).st_size - 8 - n)
        if f.readinto(data) != len(data):
            raise SystemExit(f"{path}: truncated data section")
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name}: dtype {e['dtype']}, expected F32")
        b, end = e["data_offsets"]
        count = (end - b) // 4
        t = torch.frombuffer(data, dtype=torch.float32, count=count, offset=b) if count else torch.zeros(0)
        out[name] = t.reshape(e["shape"])  # shares `data`, which stays alive with the tensors
    return out, meta


def write_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to("cpu").float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


STEM = {"conv1_7x7_s2": "stem.0.conv", "conv2_3x3_reduce": "stem.2.conv", "conv2_3x3": "stem.3.conv"}

# inceptionlab branch layer -> googlenet_torch submodule inside blocks.<name>
BRANCH_REDUCE = {
    "b1_1x1": "b1.conv",
    "b2_3x3_reduce": "b2.0.conv", "b2_3x3": "b2.1.conv",
    "b3_5x5_reduce": "b3.0.conv", "b3_5x5": "b3.1.conv",
    "b4_pool_proj": "b4.1.conv",
}
BRANCH_NAIVE = {  # reduce=False: b2/b3 are single SameConvs; b4 is Sequential(pool, proj) or a bare pool
    "b1_1x1": "b1.conv",
    "b2_3x3": "b2.conv",
    "b3_5x5": "b3.conv",
    "b4_pool_proj": "b4.1.conv",
}
AUX = {"conv": "conv.conv", "fc1": "fc1", "fc2": "fc2"}


def torch_key(name, reduce):
    """inceptionlab parameter name -> GoogLeNet state_dict key (None when there is no counterpart)."""
    layer, kind = name.rsplit("/", 1)
    suffix = {"w": "weight", "b": "bias"}.get(kind)
    if suffix is None:
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
    if head in ("aux1", "aux2") and rest in AUX:
        return f"{head}.{AUX[rest]}.{suffix}"
    return None


def run_job(bench, job):
    """Runs one cross-check job (a dict with in, out, num_classes and optional naive, no_pool_proj,
    no_aux, in_ch). Returns None on success or the problem as text."""
    import torch
    sys.path.insert(0, bench)
    import googlenet_torch as G

    reduce = not job.get("naive", False)
    no_aux = job.get("no_aux", False)
    model = G.GoogLeNet(num_classes=job["num_classes"], aux=not no_aux, reduce=reduce,
                        naive_pool_proj=not job.get("no_pool_proj", False), init="torch",
                        in_ch=job.get("in_ch", 3))
    tensors, _ = read_safetensors(job["in"])
    x = tensors.pop("input")
    state, problems = {}, []
    for name, t in tensors.items():
        key = torch_key(name, reduce)
        if key is None:
            problems.append(f"no torch counterpart for {name}")
        elif key in state:
            problems.append(f"{name} maps to {key}, already taken")
        else:
            state[key] = t
    if problems:
        return "\n".join(problems)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        return f"load_state_dict(strict=True) failed: {e}"

    model.eval()
    captured = {}
    if not no_aux:
        model.blocks["4a"].register_forward_hook(lambda m, i, o: captured.__setitem__("4a", o))
        model.blocks["4d"].register_forward_hook(lambda m, i, o: captured.__setitem__("4d", o))
    with torch.no_grad():
        out = {"logits": model(x)}
        if not no_aux:
            out["aux1"] = model.aux1(captured["4a"])
            out["aux2"] = model.aux2(captured["4d"])
    write_safetensors(job["out"], out)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--in", dest="inp")
    ap.add_argument("--out")
    ap.add_argument("--num-classes", type=int)
    ap.add_argument("--naive", action="store_true")
    ap.add_argument("--no-pool-proj", action="store_true")
    ap.add_argument("--no-aux", action="store_true")
    ap.add_argument("--in-ch", type=int, default=3)
    ap.add_argument("--jobs", help="JSON file with a list of jobs (keys: in, out, num_classes, naive, "
                    "no_pool_proj, no_aux, in_ch); each failure is written to <out>.err, the others still run")
    ap.add_argument("--print-keys", action="store_true", help="print the torch state_dict keys and exit")
    a = ap.parse_args()

    import torch
    torch.set_num_threads(1)
    if a.print_keys:
        sys.path.insert(0, a.bench)
        import googlenet_torch as G
        model = G.GoogLeNet(num_classes=a.num_classes or 10, aux=not a.no_aux, reduce=not a.naive,
                            naive_pool_proj=not a.no_pool_proj, init="torch", in_ch=a.in_ch)
        for k, v in model.state_dict().items():
            print(k, tuple(v.shape))
        return 0
    if a.jobs:
        with open(a.jobs) as f:
            jobs = json.load(f)
        failed = 0
        for job in jobs:
            err = run_job(a.bench, job)
            if err is not None:
                failed += 1
                with open(job["out"] + ".err", "w") as f:
                    f.write(err)
        return 1 if failed else 0
    if not (a.inp and a.out and a.num_classes):
        ap.error("--in, --out and --num-classes are required without --jobs")
    err = run_job(a.bench, {"in": a.inp, "out": a.out, "num_classes": a.num_classes, "naive": a.naive,
                            "no_pool_proj": a.no_pool_proj, "no_aux": a.no_aux, "in_ch": a.in_ch})
    if err is not None:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
