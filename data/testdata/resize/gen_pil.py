#!/usr/bin/python3
"""Generates the resize fixtures of data/resize_pil_test.go with PIL (Debian: python3-pil; run once,
the outputs are committed): inputs <name>.png and PIL's results <name>_<mode>.png at 32x32 for the
modes antialias (Image.BILINEAR, which PIL antialiases when shrinking) and nearest (Image.NEAREST).

usage: /usr/bin/python3 gen_pil.py   (in this folder)
"""
import random
from PIL import Image

random.seed(7)


def gray(w, h, f):
    im = Image.new("L", (w, h))
    im.putdata([f(x, y) for y in range(h) for x in range(w)])
    return im


inputs = {
    # the example: alternating black and white columns, 96 -> 32
    "columns96": gray(96, 96, lambda x, y: 255 * (x % 2)),
    # a shrink that is not an integer factor, and a different one per direction
    "noise50x37": gray(50, 37, lambda x, y: random.randrange(256)),
    # Fashion-MNIST's case, enlarging 28 -> 32
    "noise28": gray(28, 28, lambda x, y: random.randrange(256)),
}
rgb = Image.new("RGB", (160, 120))
rgb.putdata([((x * 255) // 159, (y * 255) // 119, random.randrange(256)) for y in range(120) for x in range(160)])
inputs["photo160x120"] = rgb

for name, im in inputs.items():
    im.save(f"{name}.png")
    im.resize((32, 32), Image.BILINEAR).save(f"{name}_antialias.png")
    im.resize((32, 32), Image.NEAREST).save(f"{name}_nearest.png")
print(list(Image.open("columns96_antialias.png").getdata())[:8])
