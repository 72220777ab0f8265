"""
@file The reference preprocessing of OpenAI CLIP, in plain PIL, for the golden test
(test/integration/preprocess-golden.test.ts). Run by that test with Debian's python3 and
python3-pil; prints nothing, writes one tensor per image.

Usage: python3 clip_preprocess.py OUT_DIR IMAGE...
Writes OUT_DIR/<i>.f32: 3 x 224 x 224 float32 (machine byte order), channels R, G, B,
rows top to bottom, for the i-th IMAGE (0-based).

Why plain PIL and not torchvision: openai/CLIP's `_transform(224)` is
Compose([Resize(224, BICUBIC), CenterCrop(224), convert('RGB'), ToTensor(), Normalize]).
On a PIL image torchvision does nothing of its own: Resize calls PIL's
`img.resize((w, h), BICUBIC)` with the short side 224 and the long side
int(224 * long / short) (torchvision/transforms/functional_pil.py, `resize`; PIL
always antialiases, torchvision's `antialias` flag is ignored for PIL input, see
torchvision/transforms/functional.py `resize`), and CenterCrop crops at
top = int(round((h - 224) / 2.)), left = int(round((w - 224) / 2.))
(torchvision/transforms/functional.py `center_crop`; Python's round is half-to-even).
ToTensor divides by 255 and Normalize subtracts the mean and divides by the std. So
this file is exactly CLIP's transform without installing torch.

The one deliberate addition: EXIF orientation is applied first (ImageOps.exif_transpose).
CLIP's transform sees the stored pixels, so a phone photo taken upright would reach it
lying on its side; Lantern shows and embeds photos as displayed, and the golden test
compares against CLIP's transform of that displayed image.
"""
import os
import sys
from array import array

from PIL import Image, ImageOps

SIZE = 224
# openai/CLIP clip.py `_transform`: Normalize(mean, std), the OpenAI training set's.
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def clip_preprocess(path):
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        width, height = image.size
        if width < height:
            size = (SIZE, int(SIZE * height / width))
        else:
            size = (int(SIZE * width / height), SIZE)
        # torchvision returns the image unchanged when the short side is already 224;
        # PIL's resize to the same size is a copy, so resizing anyway is the same.
        image = image.resize(size, Image.BICUBIC)
        top = int(round((size[1] - SIZE) / 2.0))
        left = int(round((size[0] - SIZE) / 2.0))
        image = image.crop((left, top, left + SIZE, top + SIZE)).convert("RGB")
    pixels = image.tobytes()
    out = array("f")
    for c in range(3):
        scale = 1.0 / 255.0 / STD[c]
        bias = -MEAN[c] / STD[c]
        out.extend(v * scale + bias for v in pixels[c::3])
    return out


def main():
    out_dir, paths = sys.argv[1], sys.argv[2:]
    for i, path in enumerate(paths):
        with open(os.path.join(out_dir, f"{i}.f32"), "wb") as f:
            clip_preprocess(path).tofile(f)


if __name__ == "__main__":
    main()
