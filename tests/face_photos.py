"""Real photos for the face tests, from packages the tests install (no synthetic faces).

- astronaut: `skimage.data.astronaut()`, Eileen Collins' NASA portrait (public domain), shipped by scikit-image;
- grace_hopper: matplotlib's sample `grace_hopper.jpg` (US Navy portrait, public domain): a different person;
- coffee: `skimage.data.coffee()`, a cup of coffee: no face.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageEnhance


def astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut()).convert("RGB")


def grace_hopper() -> Image.Image:
    import matplotlib.cbook

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        return Image.open(fh).convert("RGB")


def coffee() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.coffee()).convert("RGB")


def jpeg(image: Image.Image, quality: int = 92, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def side_by_side(left: Image.Image, right: Image.Image) -> Image.Image:
    height = max(left.height, right.height)
    canvas = Image.new("RGB", (left.width + right.width, height), (255, 255, 255))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width, 0))
    return canvas


def sideways_with_exif(image: Image.Image) -> bytes:
    """How a phone stores a portrait: pixels rotated, EXIF orientation 6 saying how to turn them upright."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg(image.transpose(Image.Transpose.ROTATE_90), exif=exif)


def transformed_astronauts() -> dict[str, bytes]:
    a = astronaut()
    return {
        "rotated": jpeg(a.rotate(12, resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))),
        "scaled_up": jpeg(a.resize((1400, 1400), Image.Resampling.LANCZOS)),
        "scaled_down": png(a.resize((400, 400), Image.Resampling.LANCZOS)),
        "recompressed": jpeg(Image.open(io.BytesIO(jpeg(a, quality=35))).convert("RGB"), quality=50),
        "brighter": jpeg(ImageEnhance.Brightness(a).enhance(1.35)),
        "darker": jpeg(ImageEnhance.Brightness(a).enhance(0.7)),
        "exif_rotated": sideways_with_exif(a),
    }


def y4m(image: Image.Image, path, *, frames: int = 30, size: tuple[int, int] = (640, 480)) -> None:
    """A YUV4MPEG2 (4:2:0) video of `image` centred on grey: Chromium's fake camera plays it in a loop."""
    width, height = size
    canvas = Image.new("RGB", size, (120, 120, 120))
    picture = image.copy()
    picture.thumbnail((width, height))
    canvas.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    ycbcr = np.asarray(canvas.convert("YCbCr"))
    y = ycbcr[:, :, 0].tobytes()
    # 4:2:0: one chroma sample per 2×2 block, averaged.
    cb = ycbcr[:, :, 1].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8).tobytes()
    cr = ycbcr[:, :, 2].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8).tobytes()
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n" + y + cb + cr)
