"""The renditions every picture gets (no Pillow here: web workers read these, never render)."""

WIDTHS = (320, 640, 1024, 1600)
# File extension -> Pillow's format name; the page offers them in this order.
FORMATS = {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}
# Google's article image shapes (Search Central, "Article structured data").
CROPS = {"16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
CROP_WIDTH = 1200


def widths_for(width: int) -> list[int]:
    """Return the rendition widths for an original `width` pixels wide (never enlarged)."""
    return [w for w in WIDTHS if w <= width] or [width]
