"""Agencies and the feeds they deliver through."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_noop

from wiredesk.transports import base as transports
from wiredesk.wire import format_choices

# The site's words, translated on its pages (site/templatetags/site_words.py); a
# disclaimer an agency is given instead is the publisher's, shown as written.
DEFAULT_DISCLAIMER = gettext_noop(
    "This post has been auto-published from an agency feed without any modifications "
    "to the text and has not been reviewed by an editor"
)


def validate_time_zone(value: str) -> None:
    """Refuse a time zone name that zoneinfo does not know."""
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name (e.g. Asia/Kolkata)")


class Publishing(models.TextChoices):
    """What happens to a new story: the publishing policy (docs/sources.md)."""

    AUTO = "auto", "Publish at once"
    HOLD = "hold", "Hold every new story for an editor"
    DELAY = "delay", "Publish after a delay, unless an editor holds it"


MAX_DELAY_MINUTES = 7 * 24 * 60


class HoldRules(models.Model):
    """The publishing policy's settings an agency and a feed both have (docs/sources.md)."""

    # At most a week: SQLite stores any 64-bit number, and a delay past
    # timedelta's range made every later delivery of the feed fail.
    publish_delay_minutes = models.PositiveIntegerField(
        default=10,
        db_default=10,
        validators=[MaxValueValidator(MAX_DELAY_MINUTES)],
        help_text="With 'publish after a delay': minutes an editor has to hold it (a week at most).",
    )
    # IPTC urgency runs from 1 (flash) to 9.
    hold_urgency = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text="Hold new stories this urgent or more (1 = flash) for an editor; blank: none.",
    )
    hold_keywords = models.CharField(
        max_length=1000,
        blank=True,
        db_default="",
        help_text="Comma-separated: a new story whose keywords or subjects include one is held "
        "for an editor (e.g. advisory-only), never published on its own.",
    )

    class Meta:
        abstract = True

    @property
    def hold_words(self) -> tuple[str, ...]:
        """Return the hold keywords, as given, without blanks."""
        return tuple(w.strip() for w in self.hold_keywords.split(",") if w.strip())


class Agency(HoldRules):
    """A news agency whose copy is published under its own name."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    byline = models.CharField(max_length=200, help_text="Shown as 'By ...' on its stories.")
    url = models.URLField(blank=True, help_text="The agency's home page (JSON-LD author url).")
    disclaimer = models.TextField(default=DEFAULT_DISCLAIMER)
    language = models.CharField(max_length=35, default="en")
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Zone of the agency's copy: applied to times sent without an offset.",
    )

    urgency_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='The agency\'s priority labels on the IPTC urgency scale, e.g. {"flash": 1, '
        '"bulletin": 2, "urgent": 3}; merged over the defaults.',
    )

    kill_patterns = models.JSONField(
        default=list,
        blank=True,
        help_text="Regular expressions that make an item a kill notice (over the defaults); "
        'prefix "(?i)" to ignore case.',
    )
    advisory_patterns = models.JSONField(
        default=list,
        blank=True,
        help_text="Regular expressions that make an item an advisory, never published "
        "(over the defaults).",
    )

    # The publishing policy of every feed of the agency that says "as its agency says";
    # its hold rules add to each feed's own.
    publishing = models.CharField(
        max_length=8,
        choices=Publishing.choices,
        default=Publishing.AUTO,
        db_default=Publishing.AUTO,
    )
    # When it last had a new story stored (to the minute): near-duplicate grouping
    # asks "has another agency stored a story lately?" of every delivery, here in
    # one small read instead of a look through the stories (a scan of them all
    # on SQLite, at every delivery: docs/benchmarks.md).
    last_stored_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Feed(HoldRules):
    """One channel an agency delivers through, and its polling health."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="feeds")
    slug = models.SlugField(unique=True)
    transport = models.CharField(max_length=16, choices=transports.transport_choices)
    location = models.CharField(
        max_length=2000, help_text="A URL (http, ftp, ftps, sftp), or a folder path."
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="The transport's settings (docs/sources.md). Credentials are named, never "
        'given: {"password_env": "PTI_FTP_PASSWORD"} or {"password_file": "/run/secrets/pti"}.',
    )
    # The formats table's names, read when asked (a callable): a new format needs no migration.
    format = models.CharField(max_length=32, choices=format_choices, default="auto")
    poll_interval = models.FloatField(default=60.0, help_text="Seconds between polls.")
    enabled = models.BooleanField(default=True)
    encoding = models.CharField(
        max_length=40,
        blank=True,
        help_text="Blank: as the delivery declares. Set (e.g. iso-8859-1) when the agency "
        "declares the wrong encoding or none.",
    )
    full_text = models.BooleanField(
        default=False,
        help_text="For feeds whose items carry only a teaser and a link: fetch the link and "
        "take the article text from it (where the agency's contract allows).",
    )
    repair_xml = models.BooleanField(
        default=False,
        help_text="Repair an agency format's XML that strict parsing refuses (an undeclared "
        "prefix, a control character, a bare &), as feeds always are; off: such a delivery "
        "is quarantined.",
    )
    fetch_allowed_hosts = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Host names (comma-separated) that full-text fetches may reach although they "
        "are on a private network; any other private, loopback or link-local address is refused.",
    )

    class Publishing(models.TextChoices):
        AGENCY = "agency", "As its agency says"
        AUTO = "auto", "Publish at once"
        HOLD = "hold", "Hold every new story for an editor"
        DELAY = "delay", "Publish after a delay, unless an editor holds it"

    # The publishing policy (docs/sources.md): what happens to a new story of this feed.
    publishing = models.CharField(
        max_length=8,
        choices=Publishing.choices,
        default=Publishing.AGENCY,
        db_default=Publishing.AGENCY,
    )

    # Where the transport is up to (an ETag, a page cursor, a WebSub lease),
    # moved on only once what came before it is stored.
    checkpoint = models.JSONField(default=dict, blank=True, editable=False)
    # Polling health, written by the ingest loop.
    failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["agency__name", "slug"]
        # The desk's pause and resume, a duty editor's (docs/desk.md, Roles): change_feed
        # would also let them edit a feed's address and transport in the admin.
        permissions = [("pause_feed", "Can pause and resume feeds and agencies on the desk")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(poll_interval__gt=0), name="feed_poll_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        problems = transports.check_settings(self.transport, self.location, self.options or {})
        if problems:
            raise ValidationError({"options": problems})

    @property
    def transport_class(self) -> type[transports.Transport]:
        return transports.get(self.transport)

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Return the host names fetches for this feed may reach on a private network."""
        names = (h.strip().lower().rstrip(".") for h in self.fetch_allowed_hosts.split(","))
        return frozenset(name for name in names if name)
