"""Check a picture's bytes and make its renditions (Pillow; no Django, no network).

What is checked before a pixel is decoded: the type, sniffed from the bytes
(never the sender's Content-Type), and the pixel count from the header, so a
small file that claims 50,000 x 50,000 pixels (a decompression bomb) is
refused unread. A truncated file is refused when decoding stops short.

Renditions are what browsers, Google and feed readers are given: WebP, AVIF
and a JPEG fallback at a few widths for `srcset`, and the three crops
Google's large-image rules ask for (16:9, 4:3, 1:1, 1,200 pixels wide). None
keeps the original's metadata: the camera's GPS position is never served.
No rendition has a side over what every format holds (WebP's 16,383 pixels):
a taller picture is rendered narrower, its shape kept (sizes.widest).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from PIL import Image, ImageOps, IptcImagePlugin, UnidentifiedImageError

from .sizes import CROP_WIDTH, CROPS, FORMATS, MAX_RENDITION_SIDE, WIDTHS, widths_for

MAX_PIXELS = 40_000_000  # a 7,700 x 5,200 press photo is 40 MP
# Pillow's format name -> (the type it is, the extension its original is kept under).
TAKEN = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
    "AVIF": ("image/avif", "avif"),
    "TIFF": ("image/tiff", "tif"),
}
_EXTENSIONS = dict(TAKEN.values())
# Encoder settings measured in benchmarks/pictures.py: AVIF at speed 9 is many
# times faster than its default speed, at a similar size (docs/benchmarks.md).
ENCODE = {
    "AVIF": {"quality": 55, "speed": 9},
    "WEBP": {"quality": 78, "method": 3},
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
}

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, for anything opened elsewhere


class BadPicture(Exception):
    """The bytes are not a picture we may use; the message says why."""


@dataclass
class Checked:
    """A picture that passed the checks: its real type, size and embedded words."""

    mime: str
    width: int
    height: int
    embedded: dict[str, str] = field(default_factory=dict)


def check(data: bytes) -> Checked:
    """Return what `data` is, or raise BadPicture saying why it cannot be used."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
    ) as exc:
        if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
            raise BadPicture(f"too many pixels (over {MAX_PIXELS:,}): {exc}") from None
        raise BadPicture("not a picture: the bytes are no image format we read") from None
    mime = TAKEN.get(image.format or "", (None, None))[0]
    if mime is None:
        raise BadPicture(f"{image.format} pictures are not taken")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise BadPicture(f"{width:,} x {height:,} pixels is over the {MAX_PIXELS:,}-pixel limit")
    try:
        image.load()  # decodes: a truncated file stops short here
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadPicture(f"broken or truncated {image.format}: {exc}") from None
    return Checked(mime=mime, width=width, height=height, embedded=embedded_metadata(image))


# IPTC IIM (record 2) datasets agencies fill: caption, credit, copyright, byline.
_IIM = {(2, 120): "caption", (2, 110): "credit", (2, 116): "copyright", (2, 80): "byline"}
_XMP = {
    "caption": "//dc:description//rdf:li",
    "copyright": "//dc:rights//rdf:li",
    "byline": "//dc:creator//rdf:li",
    "credit": "//photoshop:Credit | //@photoshop:Credit",
}
_XMP_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}


def _text(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    return " ".join(value.replace("\x00", "").split()) or None


def embedded_metadata(image: Any) -> dict[str, str]:
    """Return the caption, credit, copyright and byline the file itself carries (IPTC, XMP)."""
    found: dict[str, str] = {}
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except (SyntaxError, ValueError, IndexError, OSError):
        iptc = {}
    for key, name in _IIM.items():
        text = _text(iptc.get(key))
        if text:
            found[name] = text
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if xmp:
        try:
            data = xmp if isinstance(xmp, bytes) else xmp.encode()
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            root = etree.fromstring(data.strip(b"\x00"), parser)
            for name, path in _XMP.items():
                if name not in found:
                    hits = root.xpath(path, namespaces=_XMP_NS)
                    text = (
                        _text(hits[0] if isinstance(hits[0], str) else hits[0].text)
                        if hits
                        else None
                    )
                    if text:
                        found[name] = text
        except (etree.Error, ValueError):
            pass
    return found


@dataclass
class Renditions:
    """What one picture becomes: files by name, the widths made, a colour for loading."""

    files: dict[str, bytes]
    widths: list[int]
    colour: str
    width: int
    height: int


def _prepared(data: bytes) -> Image.Image:
    image: Image.Image = Image.open(io.BytesIO(data))
    if image.format == "JPEG":
        # Decoded at a half, quarter or eighth of its size when that still
        # leaves twice the widest rendition: far less to decode and resize.
        image.draft("RGB", (WIDTHS[-1] * 2, WIDTHS[-1] * 2))
    image = ImageOps.exif_transpose(image)  # the camera's rotation, applied once
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert(
            "RGBA" if "transparency" in image.info or image.mode == "LA" else "RGB"
        )
    if image.mode == "RGBA":  # flattened on white: JPEG has no transparency
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    return image


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    image.save(out, FORMATS[kind], **ENCODE[FORMATS[kind]])  # no exif=, no xmp=: none is kept
    return out.getvalue()


# A picture over twice as tall as wide (an infographic, a long screenshot) is
# cropped from its top, where its title is: its middle is an arbitrary slice.
TOP_CROP_SHAPE = 2


def _fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Return `image` cut to the shape of `size` and scaled to it: its centre, or top when tall."""
    width, height = image.size
    shape = size[0] / size[1]
    if width / height > shape:  # wider than wanted: cut the sides
        cut = round(height * shape)
        box = ((width - cut) // 2, 0, (width - cut) // 2 + cut, height)
    else:  # taller: cut top and bottom, or only the bottom of a very tall one
        cut = round(width / shape)
        top = 0 if height > TOP_CROP_SHAPE * width else (height - cut) // 2
        box = (0, top, width, top + cut)
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def render(data: bytes) -> Renditions:
    """Return every rendition of a checked picture, or raise BadPicture when none can be made."""
    image = _prepared(data)
    width, height = image.size
    widths = widths_for(width, height)
    if widths == [0]:
        raise BadPicture(
            f"{width:,} x {height:,} pixels cannot keep its shape in a rendition: "
            f"no side may be over {MAX_RENDITION_SIDE:,} pixels (WebP's limit)"
        )
    files: dict[str, bytes] = {}
    source = image
    # Widest first, each made from the one before: a smaller source resizes
    # faster, and `reducing_gap` lets Pillow box-reduce before it filters.
    for target in sorted(widths, reverse=True):
        if target != source.width:
            source = source.resize(
                (target, max(1, round(height * target / width))),
                Image.Resampling.LANCZOS,
                reducing_gap=3.0,
            )
        for kind in FORMATS:
            files[f"{target}.{kind}"] = _encode(source, kind)
    for name, ratio in CROPS.items():
        crop_width = min(CROP_WIDTH, width, round(height * ratio[0] / ratio[1]))
        size = (crop_width, max(1, round(crop_width * ratio[1] / ratio[0])))
        files[f"{name}.jpg"] = _encode(_fit(image, size), "jpg")
    pixel = image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    r, g, b = pixel[:3] if isinstance(pixel, tuple) else (int(pixel or 0),) * 3
    return Renditions(
        files=files, widths=widths, colour=f"#{r:02x}{g:02x}{b:02x}", width=width, height=height
    )


def extension(mime: str) -> str:
    """Return the file extension of a sniffed type."""
    return _EXTENSIONS[mime]
