"""What the site keeps of its own: the word diffs between versions of a story, and which
stories are one story in several languages."""

from django.db import models

from wiredesk.stories.models import Story, StoryVersion


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


class StoryTranslation(models.Model):
    """A story's place in a group of stories that are one story in several languages.

    Stories of one `group` are linked on their pages by hreflang alternates.
    Linked from the agency's identifiers (an altId two items share) or by an
    editor on the desk; a group's number is the lowest story id it began with.
    """

    class LinkedBy(models.TextChoices):
        AGENCY = "agency"
        DESK = "desk"

    story = models.OneToOneField(
        Story, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    group = models.BigIntegerField(db_index=True)
    linked_by = models.CharField(max_length=8, choices=LinkedBy.choices)

    def __str__(self) -> str:
        return f"{self.story_id} in {self.group}"


class StoryIdentifier(models.Model):
    """An identifier an agency gave a story besides its own (a ninjs altId: "role:value").

    Two stories in different languages that share one are the same story
    translated, linked in a StoryTranslation group.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="+", db_index=False)
    value = models.CharField(max_length=255, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "value"], name="identifier_unique_per_story"),
        ]

    def __str__(self) -> str:
        return f"{self.story_id}: {self.value}"
