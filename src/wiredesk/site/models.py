"""What the site keeps of its own: the word diffs between versions of a story."""

from django.db import models

from wiredesk.stories.models import StoryVersion


class VersionDiff(models.Model):
    """The word diff of one version's text against an earlier one, computed once.

    Kept, not cached: a version never changes, so neither does its diff, and a
    page that shows it (the versions page, the desk's story) reads it rather
    than diffing two texts again for every reader after each change.
    """

    # Indexed by the unique constraint (older, newer).
    older = models.ForeignKey(
        StoryVersion, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    newer = models.ForeignKey(StoryVersion, on_delete=models.CASCADE, related_name="+")
    html = models.TextField()
    # False when the diff's work budget ran out and part of the text is shown
    # as replaced rather than word by word (site/diff.py).
    complete = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["older", "newer"], name="diff_unique_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.older_id} -> {self.newer_id}"
