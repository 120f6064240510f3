"""The renditions every picture gets (no Pillow here: web workers read these, never render)."""

WIDTHS = (320, 640, 1024, 1600)
# File extension -> Pillow's format name; the page offers them in this order.
FORMATS = {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}
# The longest side each format holds: libwebp refuses over 16,383; libavif
# decodes no side over 32,768 (its default limit: larger files are written
# but nobody reads them); libjpeg writes at most 65,500 (not the header's 65,535).
MAX_SIDE = {"avif": 32_768, "webp": 16_383, "jpg": 65_500}
# Every format at the same widths (one srcset a format): no side over the smallest limit.
MAX_RENDITION_SIDE = min(MAX_SIDE.values())
# Google's article image shapes (Search Central, "Article structured data").
CROPS = {"16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
CROP_WIDTH = 1200


def widest(width: int, height: int) -> int:
    """Return the widest rendition of a `width` x `height` picture every format holds.

    A picture taller than `MAX_RENDITION_SIDE` is made narrower, its shape
    kept (300 x 17,000 -> 289 x 16,377); 0 when no rendition can keep its
    shape (over 16,383 times as tall as wide).
    """
    if height <= MAX_RENDITION_SIDE:
        return width
    return width * MAX_RENDITION_SIDE // height


def widths_for(width: int, height: int) -> list[int]:
    """Return the rendition widths of a `width` x `height` picture (never enlarged)."""
    most = widest(width, height)
    return [w for w in WIDTHS if w <= most] or [most]
