"""`[site]` of wiredesk.toml: what the site is and how it serves, and `[site.app]`, its app.

    [site]
    name = "Daily Example"
    url = "https://news.example"   # canonical links and JSON-LD use it
    time_zone = "Asia/Kolkata"     # every time a reader sees is in this zone

    [site.app]
    link = "newsexample://story/{id}"   # "Open in app"

Pure Python, read by config/options.py, which checks every key and value
against the fields declared here (config/option_fields.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .option_fields import MEGABYTE, setting


@dataclass(frozen=True, slots=True)
class AppOptions:
    """`[site.app]`: the publisher's app, for "Open in app" and the app-link files."""

    name: str | None = None
    # "Open in app": a link template with {id}, {path} and {url}; no template, no link.
    link: str | None = None
    # App links: Android package and certificate fingerprints, iOS app id (TEAMID.bundle).
    android_package: str | None = None
    android_sha256_fingerprints: tuple[str, ...] = ()
    ios_app_ids: tuple[str, ...] = ()
    ios_app_store_id: str | None = None


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """`[site]`: what the site is, and how it serves."""

    name: str = "Wiredesk"
    url: str = setting(
        "http://127.0.0.1:8000", env="WIREDESK_SITE_URL", tidy=lambda url: url.rstrip("/")
    )
    description: str = "News from the agencies, as they send it."
    language: str = "en"
    # More editions, each at /<language>/ with its own home, sections, feeds and
    # sitemaps (site/editions.py); the main edition, in `language`, stays at /.
    editions: tuple[str, ...] = setting((), tidy=lambda tags: tuple(t.lower() for t in tags))
    # The site's time zone: every time a reader sees is shown in it.
    time_zone: str = "UTC"
    teaser_chars: int = setting(110, at_least=1)
    # A story's address from its headline in any script (stories/slugs.py):
    # "latin" transliterates it to a-z and 0-9, "unicode" keeps its own letters.
    slugs: str = setting("latin", choices=("latin", "unicode"))
    page_size: int = setting(20, at_least=1)
    # Searches a minute that reach Django from one address (site/rate_limits.py):
    # over that, 429 with Retry-After. No reader types two a second; 0: no limit.
    search_per_minute: int = setting(300, at_least=0)
    # WebSub hub the feeds advertise (rel=hub) and ping on every change; none by default.
    websub_hub: str | None = None
    # IndexNow: a key (8-128 of a-z, A-Z, 0-9, -) turns submissions on; served at /<key>.txt.
    indexnow_key: str | None = None
    indexnow_endpoint: str = "https://api.indexnow.org/indexnow"
    # Rendered pages are kept this long, and dropped at once on any story change.
    page_cache_seconds: int = setting(300, env="WIREDESK_PAGE_CACHE_SECONDS", at_least=0)
    # Each web worker keeps the hottest cached answers in its own memory, up to
    # this much (site/fastpath.py): 8 MB is about a thousand story pages; and as
    # much again of feeds, sent again after a read (site/revalidated.py).
    fast_path_bytes: int = setting(
        8 * MEGABYTE, key="fast_path_megabytes", scale=MEGABYTE, at_least=0
    )
    # Web workers run this much below ingest in the CPU's queue (Unix niceness):
    # under more readers than the machine can answer, a story still publishes
    # at its pace and readers wait instead (benchmarks/load.py). 0 for equals.
    web_niceness: int = setting(5, at_least=0, at_most=19)
    # A request's body is read whole by the server before any view runs, within
    # this many seconds (else 408) and bytes (else 413): no application thread
    # ever waits on a slow client (config/bodies.py). The largest body taken is
    # an agency's push or WebSub delivery.
    request_body_seconds: float = setting(60.0, at_least=0)
    request_body_bytes: int = setting(
        50 * MEGABYTE, key="request_body_megabytes", scale=MEGABYTE, at_least=0
    )
    # True behind a proxy that reads each body whole before passing a request on
    # (nginx's default): `wiredesk serve` then leaves bodies to it (docs/deploy.md).
    proxy_buffers_bodies: bool = False
    # A CDN in front: how long it may keep an answer, and serve it stale while it
    # revalidates; every story change purges through the [[purge]] backends.
    cdn_max_age: int = setting(60, at_least=0)
    cdn_stale_while_revalidate: int = setting(30, at_least=0)
    user_agent: str = "Wiredesk/0.1 (+https://github.com/wiredesk/wiredesk)"
    app: AppOptions = field(default_factory=AppOptions)
