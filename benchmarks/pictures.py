"""Renditions per second: what one ingest worker makes of agency photos.

    uv run python benchmarks/pictures.py [--pictures 8]

Generates press-photo-sized JPEGs (3,000 x 2,000 pixels, about 1.5 MB, with
detail so they do not compress to nothing), then, in this process as the
ingest worker does, checks each and makes every rendition (AVIF, WebP and
JPEG at four widths, the three crops). Prints pictures and rendition files
per second beside the target.

Target: 1 picture a second per ingest process (15 files). Agencies send a
photo with most stories; the busiest feeds here bring a few stories a
minute each, and 5,000 stories a second is a backfill, which keeps the text
going and renders its pictures behind it. One picture a second per worker
keeps a live desk's pictures within seconds of their stories; a publisher
with more adds ingest workers.

Pillow or libvips: the same renditions of the same photos with pyvips 3
(and its bundled libvips) made 0.86 pictures/s beside Pillow's 1.09 here,
so Pillow renders (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import io
import os
import time

import django

TARGET_PICTURES_PER_SECOND = 1.0


def press_photo(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.effect_noise((3000, 2000), 40 + seed).convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(0, 3000, 60):
        draw.line([(x, 0), (3000 - x, 2000)], fill=(200, (x + seed * 31) % 255, 80), width=6)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.config.settings")
    django.setup()
    from wiredesk.pictures import images

    photos = [press_photo(n) for n in range(args.pictures)]
    started = time.perf_counter()
    files = 0
    for data in photos:
        images.check(data)
        files += len(images.render(data).files)
    seconds = time.perf_counter() - started
    rate = args.pictures / seconds
    print(f"{'measure':<34} {'figure':>10} {'target':>10}")
    print(f"{'pictures rendered per second':<34} {rate:>10.2f} {TARGET_PICTURES_PER_SECOND:>10.2f}")
    print(f"{'rendition files per second':<34} {files / seconds:>10.1f} {'':>10}")
    print(f"{'average photo (bytes)':<34} {sum(map(len, photos)) // len(photos):>10,} {'':>10}")
    print("PASS" if rate >= TARGET_PICTURES_PER_SECOND else "BELOW TARGET")


if __name__ == "__main__":
    main()
