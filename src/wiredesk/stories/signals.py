"""The seams other apps listen at. Sent after the transaction commits.

Each is sent with `story` (a Story) and `version` (the StoryVersion that caused it).
`stories` never imports the apps that listen (docs/design.md, "Signals only at seams").
"""

from django.dispatch import Signal

story_published = Signal()
story_updated = Signal()
story_killed = Signal()
# Many new stories published at once (a delivery's run of new items), sent with
# `stories` (a list): receivers do their work once for the batch.
stories_published = Signal()
