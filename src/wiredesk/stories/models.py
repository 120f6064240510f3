"""Stories, their versions, and the raw deliveries they came in.

Identity and lifecycle (docs/design.md):
- A story is (agency, agency item id). The same item through two feeds of one
  agency is one story: the constraint `story_unique_agency_item` says so.
- A version is the agency's version, else its version time, else a content
  hash; (story, version) is unique, so ingesting a delivery twice is a no-op.
- The raw bytes of every delivery that brought a version are kept, so a story
  can be re-parsed and its "unmodified" claim checked.
- A story's id is never reused (AUTOINCREMENT on SQLite, a sequence on
  PostgreSQL), so a killed story's URL is never given to another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from wiredesk.sources.models import Agency, Feed

from . import rules


class Delivery(models.Model):
    """The exact bytes an agency sent, kept once however often they arrive."""

    sha256 = models.CharField(max_length=64, unique=True)
    feed = models.ForeignKey(Feed, null=True, blank=True, on_delete=models.SET_NULL)
    origin = models.CharField(max_length=2000, help_text="File name or URL it came from.")
    received_at = models.DateTimeField()
    size = models.PositiveBigIntegerField()
    data = models.BinaryField()
    # What had to be mended before the bytes could be read ([name, detail] pairs,
    # wire/repair.py); empty for a delivery read as sent.
    repairs = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        # The last day's deliveries, read at every metrics scrape (desk/gauges.py)
        # and by the feeds board: a range, not a walk of every delivery kept.
        indexes = [models.Index(fields=["received_at"], name="delivery_received")]

    def __str__(self) -> str:
        return f"{self.origin} ({self.sha256[:12]})"


def shown_byline(byline: str, agency_byline: str) -> str:
    """Return the byline readers see of a story sent with `byline`: the agency's, with a
    writer's name if sent (`Story.display_byline`, for rows read without a model)."""
    if not byline or agency_byline.lower() in byline.lower():
        return agency_byline
    return f"{byline} ({agency_byline})"


class Story(models.Model):
    """What readers see: the current version of one agency item."""

    class State(models.TextChoices):
        # embargoed → published → (updated, corrected ...) → killed; withheld
        # hides a story until a usable version arrives; held waits for an
        # editor's release (the rules: rules.py).
        EMBARGOED = rules.EMBARGOED
        PUBLISHED = rules.PUBLISHED
        WITHHELD = rules.WITHHELD
        HELD = rules.HELD
        KILLED = rules.KILLED

    # Every index is paid for on each insert (benchmarks/ingest.py): the agency's
    # is the unique constraint's, and stories are never looked up by slug.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="stories", db_index=False
    )
    item_id = models.CharField(max_length=512)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PUBLISHED)
    slug = models.SlugField(max_length=100, db_index=False)

    # The current version, copied here so a page is one row to read.
    headline = models.TextField()
    slugline = models.TextField(blank=True)
    byline = models.TextField(blank=True)
    dateline = models.TextField(blank=True)
    located = models.TextField(blank=True)
    language = models.CharField(max_length=35, blank=True)
    teaser = models.TextField(blank=True)
    body_html = models.TextField()
    body_text = models.TextField()
    subjects = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    # The subjects' names as slugs, "|world|korea|": a plain text column so topic
    # filters work the same on SQLite and PostgreSQL.
    topics = models.TextField(blank=True, default="")
    link = models.URLField(max_length=2000, blank=True)
    embargoed_until = models.DateTimeField(null=True, blank=True)
    is_correction = models.BooleanField(default=False)
    killed_at = models.DateTimeField(null=True, blank=True)
    # Killed by an editor (the publisher), not by the agency: its 410 page says who.
    killed_by_desk = models.BooleanField(default=False, db_default=False)
    # What the 410 page tells readers of why: the editor's choice at the kill, never
    # the logged reason (which may name a court order or a complainant).
    withdrawn_note = models.TextField(blank=True, default="", db_default="")
    # Withheld by an editor: stays withheld whatever the agency sends, until an
    # editor restores it (the agency's versions are kept meanwhile).
    held_by_desk = models.BooleanField(default=False, db_default=False)
    # Corrected by an editor: the desk's version is shown, and the agency's later
    # versions are kept for an editor to accept, never applied silently.
    corrected_by_desk = models.BooleanField(default=False, db_default=False)
    # Held by an editor before it was public: stays held whatever the agency
    # sends, until an editor releases it.
    held_for_editor = models.BooleanField(default=False, db_default=False)
    # Held by the feed's publishing policy "publish after a delay": released
    # then, unless an editor holds it meanwhile (which clears this).
    release_at = models.DateTimeField(null=True, blank=True)
    # When it went public on this site (created, embargo ended, released):
    # the desk's arrival-to-publication latency. Null while it never has.
    published_at = models.DateTimeField(null=True, blank=True)

    # The publisher's sections it is routed into, as "|world|business|" (like
    # `topics`: one text column, the same filter on SQLite and PostgreSQL).
    sections = models.TextField(blank=True, default="", db_default="")
    # Set by an editor: routing rules no longer change them.
    sections_by_desk = models.BooleanField(default=False, db_default=False)

    # Near-duplicates across agencies share a group (the id of its first story);
    # under the "first" and "preferred" policies only the group's lead is shown.
    group_id = models.BigIntegerField(null=True, blank=True)
    is_lead = models.BooleanField(default=True)
    minhash = models.BinaryField(null=True, blank=True, editable=False)

    first_published_at = models.DateTimeField()
    modified_at = models.DateTimeField()
    version_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-first_published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "item_id"], name="story_unique_agency_item"),
        ]
        indexes = [
            models.Index(fields=["state", "embargoed_until"], name="story_embargo"),
            # Newest first, for lists: read in order until a page of visible ones
            # (with statistics the planner prefers these to the state indexes).
            models.Index(fields=["-first_published_at", "-id"], name="story_recent"),
            models.Index(
                fields=["agency", "-first_published_at", "-id"], name="story_agency_recent"
            ),
            # An app's poll for what changed since its last (`since`): the stories
            # published before then that an update reached since (storage/lists.py).
            # Updated stories only: its range is the updates since, not every story
            # published since; a story never updated costs inserts nothing here.
            models.Index(
                fields=["modified_at"],
                condition=models.Q(modified_at__gt=models.F("first_published_at")),
                name="story_modified",
            ),
            # Grouped stories only: most stories are in no group, and an index of
            # their NULLs made SQLite's statistics say a group holds every story
            # (so it scanned them all to find one group's).
            models.Index(
                fields=["group_id"], condition=models.Q(group_id__isnull=False), name="story_group"
            ),
            # Killed stories only, newest kill first: the feeds' tombstones. Without
            # it every feed request scanned the table (docs/benchmarks.md);
            # a story is killed rarely, so inserts seldom pay for it. Its condition
            # is killed_at's (set once, by the kill), not the state's: a statement
            # prepared once (storage/prepared.py) has the state as a parameter, and
            # a plan for any state could not use an index of the killed only;
            # `killed_at >= $1` implies the column is not NULL for any $1.
            models.Index(
                fields=["-killed_at"],
                condition=models.Q(killed_at__isnull=False),
                name="story_killed_at",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def get_absolute_url(self) -> str:
        return reverse("site:story", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def display_byline(self) -> str:
        """Return the byline readers see: the agency's, with a writer's name if sent."""
        return shown_byline(self.byline, self.agency.byline)

    @property
    def was_updated(self) -> bool:
        """Return True when a later version changed the story after first publication."""
        return self.modified_at > self.first_published_at


class StoryLabel(models.Model):
    """One of a story's topics, one of its sections, or its language, in a list's order.

    A list of a topic, a section or a language reads its own range of
    `story_label_recent` newest first (stories/storage/labels.py), where
    walking every story newest first for a rare one read most of the archive.
    Written by the database, never by code: triggers on the story table
    (migration 0021) keep a story's labels to its `topics`, `sections`,
    `language` and `first_published_at`, whichever statement writes them.
    """

    class Kind(models.TextChoices):
        TOPIC = "t"
        SECTION = "s"
        LANGUAGE = "l"  # the language tag's primary subtag, lower-cased: "hi" for "hi-IN"

    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="labels", db_index=False
    )
    kind = models.CharField(max_length=1, choices=Kind.choices)
    value = models.TextField()
    first_published_at = models.DateTimeField()  # the story's: the list's order

    class Meta:
        constraints = [
            # A story's own labels, by its id: the triggers' deletes, and a kill's
            # topics looked up from the kill (the feeds' tombstones).
            models.UniqueConstraint(fields=["story", "kind", "value"], name="story_label_unique"),
        ]
        indexes = [
            models.Index(
                fields=["kind", "value", "-first_published_at", "-story"],
                name="story_label_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.story_id} {self.kind}:{self.value}"


class StoryVersion(models.Model):
    """One version as the agency sent it, with the delivery it came in."""

    # Indexed by the unique constraint (story, version).
    story = models.ForeignKey(
        Story, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.CharField(max_length=200)
    # None for a version made by the desk (a correction), not delivered.
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    edit_reason = models.TextField(blank=True, help_text="Why the desk made this version.")
    received_at = models.DateTimeField()
    # When the agency says this version was made; received time if it does not.
    effective_at = models.DateTimeField()
    format = models.CharField(max_length=32)
    pub_status = models.CharField(max_length=16)
    signal = models.CharField(max_length=16, blank=True)
    first_created = models.DateTimeField(null=True, blank=True)
    version_created = models.DateTimeField(null=True, blank=True)
    embargoed_until = models.DateTimeField(null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(null=True, blank=True)
    headline = models.TextField()
    slugline = models.TextField(blank=True)
    byline = models.TextField(blank=True)
    dateline = models.TextField(blank=True)
    located = models.TextField(blank=True)
    language = models.CharField(max_length=35, blank=True)
    body_html = models.TextField()
    body_text = models.TextField()
    teaser = models.TextField(blank=True)
    subjects = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    link = models.URLField(max_length=2000, blank=True)
    creditline = models.TextField(blank=True)
    ednote = models.TextField(blank=True, help_text="For the desk only; never published.")
    text_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the published text.")

    class Meta:
        ordering = ["story", "effective_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "version"], name="version_unique_per_story"),
        ]

    def __str__(self) -> str:
        return f"{self.story_id} v{self.version}"


class Section(models.Model):
    """A section of the publisher's site (World, Business, ...), with its own page and feeds.

    Stories are routed into sections by `SectionRule`s when they arrive; an
    editor can set a story's sections by hand.
    """

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    order = models.PositiveIntegerField(default=0, help_text="Lower comes first.")
    in_navigation = models.BooleanField(default=True, help_text="Listed in the site's header.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("site:section", args=[self.slug])


class SectionRule(models.Model):
    """Route a new story into a section when it matches (any one rule of a section is enough)."""

    class Kind(models.TextChoices):
        FEED = "feed", "came through the feed (its slug)"
        AGENCY = "agency", "is from the agency (its slug)"
        SUBJECT = "subject", "has the subject (its code or name)"
        KEYWORD = "keyword", "has the keyword"
        HEADLINE = "headline", "has all these words in its headline"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.section}: {self.get_kind_display()} {self.value!r}"


class KillNotice(models.Model):
    """A kill the agency sent, kept so a story it names is never published, even later.

    It names its story by item id (a canceled version, a kill signal) or by the
    words of a kill advisory that quotes the story's slug or headline.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="kill_notices")
    item_id = models.CharField(max_length=512, blank=True, db_index=True)
    text = models.TextField(blank=True, help_text="The advisory's words, for matching stories.")
    received_at = models.DateTimeField()
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL)
    killed = models.ManyToManyField(Story, blank=True, related_name="kill_notices")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"kill {self.item_id or self.text[:60]}"


class LifecycleEvent(models.Model):
    """One entry of the append-only log of what happened to a story, who did it and why.

    Written by the lifecycle (hand actions, agency kills, ended embargoes) and
    by the pipeline (quarantined deliveries); never edited (the admin only
    reads it).
    """

    class Kind(models.TextChoices):
        KILLED = "killed"
        WITHHELD = "withheld"
        RESTORED = "restored"
        EMBARGO_ENDED = "embargo_ended", "embargo ended"
        QUARANTINED = "quarantined"
        CORRECTED = "corrected"
        HELD = "held", "agency version held"
        ACCEPTED = "accepted", "agency version accepted"
        REJECTED = "rejected", "agency version rejected"
        GROUPED = "grouped", "grouped as a near-duplicate"
        ON_HOLD = "on_hold", "held for an editor"
        RELEASED = "released"
        PAUSED = "paused", "feed paused"
        RESUMED = "resumed", "feed resumed"
        RETRIED = "retried", "quarantine retried"
        DISMISSED = "dismissed", "quarantine dismissed"
        CONFIGURED = "configured", "feed settings changed"
        SECTIONED = "sectioned", "sections set by an editor"
        TRANSLATED = "translated", "linked as a translation"

    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL)
    feed = models.ForeignKey(
        "sources.Feed", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who, in words: "editor alice", "agency IANS (feed ians-inbox)", "embargo".
    actor = models.CharField(max_length=300)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["story", "-at"], name="event_story"),
            models.Index(fields=["kind", "-at"], name="event_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} by {self.actor}"
