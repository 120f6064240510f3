"""The demo agencies' photos: drawn here, so the demo ships no one else's pictures.

Each is a simple scene (sky, land or water, a sun, a few shapes) drawn with
Pillow when its delivery is dropped, and written beside it in the agency's
inbox, where a watch-folder delivery's pictures are found.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

# Which bundled delivery names which picture file, and how it is drawn.
PICTURES = {
    "0003-harbour-101.xml": {"monsoon-fields.jpg": ((120, 160, 190), (70, 120, 60), "fields")},
    "0005-northline-9001.rdf": {"floating-solar.jpg": ((250, 190, 120), (40, 90, 130), "panels")},
}
SIZE = (2000, 1250)


def draw(sky: tuple[int, int, int], ground: tuple[int, int, int], scene: str, seed: int) -> bytes:
    """Return a JPEG of a scene: a sky fading to the horizon, the ground, a sun, its shapes."""
    rng = random.Random(seed)
    width, height = SIZE
    image = Image.new("RGB", SIZE, sky)
    pen = ImageDraw.Draw(image)
    horizon = int(height * 0.55)
    for y in range(horizon):  # the sky lightens towards the horizon
        mix = y / horizon
        pen.line([(0, y), (width, y)], fill=tuple(int(c + (255 - c) * mix * 0.6) for c in sky))
    pen.ellipse(
        [width * 0.7, height * 0.12, width * 0.7 + 180, height * 0.12 + 180], fill=(255, 236, 170)
    )
    pen.rectangle([0, horizon, width, height], fill=ground)
    if scene == "fields":  # furrows running to the horizon, water standing in them
        for x in range(-width, 2 * width, 70):
            shade = tuple(max(0, c - rng.randint(0, 40)) for c in ground)
            pen.polygon([(width / 2, horizon), (x, height), (x + 50, height)], fill=shade)
        for _ in range(40):
            x, y = rng.randint(0, width), rng.randint(horizon + 40, height)
            pen.ellipse([x, y, x + rng.randint(60, 220), y + rng.randint(10, 30)], fill=sky)
    else:  # rows of solar panels floating on a reservoir
        for row in range(9):
            y = horizon + 40 + row * 60
            for col in range(-2, 24):
                x = col * 95 + (row % 2) * 40
                pen.polygon(
                    [(x, y), (x + 80, y), (x + 70, y + 40), (x - 10, y + 40)],
                    fill=(30, 40, 80),
                    outline=(200, 210, 230),
                )
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def write_pictures(delivery: Path, inbox: Path) -> list[Path]:
    """Write the pictures a bundled delivery names into its inbox; return their paths."""
    written = []
    for n, (name, (sky, ground, scene)) in enumerate(PICTURES.get(delivery.name, {}).items()):
        target = inbox / name
        if not target.exists():
            partial = inbox / f".{name}.part"
            partial.write_bytes(draw(sky, ground, scene, seed=len(delivery.name) + n))
            partial.replace(target)
        written.append(target)
    return written
