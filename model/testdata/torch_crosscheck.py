#!/usr/bin/python3
"""Cross-check inceptionlab's GoogLeNet against the PyTorch reference in googlenet_ref.py (same folder).

Run by model/crosscheck_test.go with a JSON list of jobs (one torch start-up for all of them):

  torch_crosscheck.py --jobs JOBS.json

Every job names a safetensors file "in" written by inceptionlab (model/safetensors): the model's
parameters under their inceptionlab names plus "input" (N, C, H, W) and, for training jobs, "labels"
(N,) as float class indices. The network is built from the parameters' shapes (googlenet_ref.build,
load_state_dict(strict=True)) and the results go to the safetensors file "out":

  mode "eval" (default): eval-mode "logits" and, with aux heads, "aux1", "aux2" (the heads applied in
      eval mode to the outputs of the blocks they follow).
  mode "train": "steps" optimizer steps on the same batch in training mode (the Go side sets every
      dropout rate to 0, so the step is deterministic), loss = CE(main) + aux_weight * sum CE(aux) with
      torch's label_smoothing; after each step listed in "record", every parameter as
      "step<k>/<inceptionlab name>" and the loss before the step as "loss<k>"; and "lr", the learning
      rate torch used at every step. Optimizers:
        sgd    torch.optim.SGD(momentum, nesterov, weight_decay)
        adam   Adam in the form Keras (and the seed's TF code) uses, written out here because
               torch.optim.Adam places epsilon differently: lr_t = lr*sqrt(1-b2^t)/(1-b1^t),
               m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g^2, p -= lr_t*m/(sqrt(v) + eps), eps 1e-7
        adamw  the same with decoupled weight decay first, p *= 1 - lr*wd (torch.optim.AdamW's order)
      Schedules come from torch.optim.lr_scheduler: constant, step (StepLR stepped once per epoch of
      "steps_per_epoch" steps), cosine (CosineAnnealingLR), onecycle (OneCycleLR, cos, two phases,
      cycle_momentum off).

A job that cannot run (a name without counterpart, a load_state_dict failure) writes the problem to
<out>.err; the others still run. The exit status is 1 when any job failed. Safetensors is parsed with
json + struct + torch.frombuffer; no safetensors package needed.
"""
import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def read_safetensors(path):
    import torch
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        data = bytearray(os.fstat(f.fileno()).st_size - 8 - n)
        if f.readinto(data) != len(data):
            raise SystemExit(f"{path}: truncated data section")
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        if e["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name}: dtype {e['dtype']}, expected F32")
        b, end = e["data_offsets"]
        count = (end - b) // 4
        t = torch.frombuffer(data, dtype=torch.float32, count=count, offset=b) if count else torch.zeros(0)
        out[name] = t.reshape(e["shape"])
    return out


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


def scheduler(opt, s, lr):
    import torch.optim.lr_scheduler as L
    kind = s.get("kind", "constant")
    if kind == "constant":
        return None, False
    if kind == "step":
        return L.StepLR(opt, step_size=s["every"], gamma=s["factor"]), True
    if kind == "cosine":
        return L.CosineAnnealingLR(opt, T_max=s["total_steps"], eta_min=s.get("min_lr", 0.0)), False
    if kind == "onecycle":
        return L.OneCycleLR(opt, max_lr=lr, total_steps=s["total_steps"], pct_start=s["pct_start"],
                            div_factor=s["div_factor"], final_div_factor=s["final_div_factor"],
                            anneal_strategy="cos", cycle_momentum=False, three_phase=False), False
    raise ValueError(f"unknown schedule {kind!r}")


def train_job(model, names, tensors, job):
    import torch
    import torch.nn.functional as F
    x, y = tensors["input"], tensors["labels"].long()
    o = job["optimizer"]
    kind, lr = o["kind"], o["lr"]
    params = [p for p in model.parameters()]
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=o.get("momentum", 0.0), nesterov=o.get("nesterov", False),
                              weight_decay=o.get("weight_decay", 0.0))
    else:  # adam / adamw: the Keras form, applied by hand below; the optimizer only carries lr for the schedule
        opt = torch.optim.SGD(params, lr=lr)
        b1, b2, eps = 0.9, 0.999, 1e-7
        m = [torch.zeros_like(p) for p in params]
        v = [torch.zeros_like(p) for p in params]
    sched, per_epoch = scheduler(opt, job.get("schedule", {}), lr)
    spe = job.get("schedule", {}).get("steps_per_epoch", 1)
    model.train()
    out, lrs = {}, []
    for step in range(1, job["steps"] + 1):
        cur = opt.param_groups[0]["lr"]
        lrs.append(cur)
        opt.zero_grad()
        main, auxes = model(x)
        ls = job.get("label_smoothing", 0.0)
        loss = F.cross_entropy(main, y, label_smoothing=ls)
        for a in auxes:
            loss = loss + job["aux_weight"] * F.cross_entropy(a, y, label_smoothing=ls)
        loss.backward()
        if kind == "sgd":
            opt.step()
        else:
            with torch.no_grad():
                lr_t = cur * (1 - b2 ** step) ** 0.5 / (1 - b1 ** step)
                for i, p in enumerate(params):
                    if kind == "adamw":
                        p.mul_(1 - cur * o["weight_decay"])
                    g = p.grad
                    m[i].mul_(b1).add_((1 - b1) * g)
                    v[i].mul_(b2).add_((1 - b2) * g * g)
                    p.sub_(lr_t * m[i] / (v[i].sqrt() + eps))
        if sched is not None and (not per_epoch or step % spe == 0):
            sched.step()
        if step in job["record"]:
            out[f"loss{step}"] = loss.detach().reshape(1)
            state = model.state_dict()
            for name, key in names.items():
                out[f"step{step}/{name}"] = state[key].detach().clone()
    out["lr"] = torch.tensor(lrs, dtype=torch.float64)
    return out


def run_job(job):
    """Runs one job; returns None on success or the problem as text."""
    import torch
    import googlenet_ref as R

    tensors = read_safetensors(job["in"])
    params = {k: t for k, t in tensors.items() if k not in ("input", "labels")}
    reduce = any(n.endswith("b2_3x3_reduce/w") for n in params)
    try:
        model, problems = R.build(params, job["blocks"], job.get("aux_after", []), job["num_classes"],
                                  job.get("in_ch", 3), job.get("dropout", 0.4), job.get("aux_dropout", 0.5))
    except RuntimeError as e:
        return f"load_state_dict(strict=True) failed: {e}"
    if problems:
        return "\n".join(problems)
    if job.get("mode", "eval") == "train":
        names = {n: R.torch_key(n, reduce) for n in params}
        write_safetensors(job["out"], train_job(model, names, tensors, job))
        return None
    model.eval()
    x = tensors["input"]
    captured = {}
    for k, name in enumerate(model.aux_after):
        model.blocks[name].register_forward_hook(lambda mod, i, o, k=k: captured.__setitem__(k, o))
    with torch.no_grad():
        logits, _ = model(x, with_aux=False)
        out = {"logits": logits}
        for k in range(len(model.aux_after)):
            out[f"aux{k + 1}"] = getattr(model, f"aux{k + 1}")(captured[k])
    write_safetensors(job["out"], out)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", required=True, help="JSON file with a list of jobs (see the module doc)")
    a = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    with open(a.jobs) as f:
        jobs = json.load(f)
    failed = 0
    for job in jobs:
        err = run_job(job)
        if err is not None:
            failed += 1
            with open(job["out"] + ".err", "w") as f:
                f.write(err)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
