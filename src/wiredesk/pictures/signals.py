"""What pictures tell the apps above them, which they never import (docs/design.md, layers).

`picture_failed` is sent, at once, when a picture cannot be had or rendered,
with `feed`, `origin` (its address), `data` (the bytes fetched, else the
address's), `reason` and `item_id`: ingest keeps it on the quarantine.

`pictures_withdrawn` is sent, at once, when a picture's renditions are no
longer served anywhere, with `keys`: the surrogate keys its answers were
tagged with (`picture-<sha256>`), for the CDN to drop.
"""

from __future__ import annotations

from django.dispatch import Signal

picture_failed = Signal()
pictures_withdrawn = Signal()
