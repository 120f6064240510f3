"""What storing one agency's item did to its story (`Outcome`): ingest reports and counts it,
and the alerts read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .models import Story, StoryVersion

# What storing an agency's item did to its story (an `Outcome`'s `action`); an
# editor's hand actions are `rules.Action`.
ItemAction = Literal["published", "updated", "stored", "unchanged", "killed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """What storing one item did. `stored` means kept but not current (it arrived late)."""

    action: ItemAction
    story: Story | None = None
    version: StoryVersion | None = None
    reason: str = ""
