"""Chaos: the scale-out product under parts failing at random, and what it lost.

    uv run python benchmarks/chaos.py [--seconds 180] [--seed 1]

Starts its own PostgreSQL cluster and Redis server (on free ports, in a
temporary folder: the machine's own servers are never touched), then two web
nodes (`wiredesk serve`), a Celery worker and the scheduler. An agency pushes
stories to either web node (signed pushes, retried until answered 2xx, as
agencies retry) and kills every fifth one; readers request story pages, the
home page and the RSS feed from both nodes. Meanwhile, at random, Redis is
stopped for a few seconds and started again, PostgreSQL is stopped
(`immediate`, as a crash) and started again, and the worker is killed
(SIGKILL) and started again.

Then, every part running, it prints: deliveries sent, stories published,
lost and duplicated, 5xx answers outside and inside PostgreSQL's outages,
and the longest time a killed story stayed visible on either node after
every part was back. Targets: 0 lost, 0 duplicated, 0 5xx outside the moments
PostgreSQL itself is down, no killed story visible longer than 1 s.

Needs root (PostgreSQL's cluster runs as the `postgres` user, through
`runuser`) and Debian's PostgreSQL and Redis packages.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import hashlib
import hmac
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

SECRET = "chaos-push-secret"
FEED = "chaos-push"
TARGET_VISIBLE_SECONDS = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def item(n: int, version: int = 1, status: str = "usable") -> bytes:
    guid = f"urn:newsml:chaos.example:{n}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{guid}" version="{version}">'
        f'<itemMeta><itemClass qcode="ninat:text"/><pubStatus qcode="stat:{status}"/>'
        "<versionCreated>2026-12-03T10:00:00+05:30</versionCreated></itemMeta>"
        f"<contentMeta><headline>Chaos story number {n} holds its ground</headline></contentMeta>"
        '<contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<body><p>NEW DELHI, Dec 3 (CHAOS) Story {n} is told in words of its own, {n * 7919} of them.</p>"
        "</body></html></inlineXML></contentSet></newsItem>"
    ).encode()


@dataclass
class Outages:
    """When each part was down: (part, start, end or None while it is down)."""

    spans: list[list] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, part: str) -> list:
        span = [part, time.monotonic(), None]
        with self.lock:
            self.spans.append(span)
        return span

    def end(self, span: list) -> None:
        span[2] = time.monotonic()

    def down_at(self, moment: float, part: str | None = None) -> bool:
        with self.lock:
            return any(
                (part is None or s[0] == part)
                and s[1] <= moment
                and (s[2] is None or moment <= s[2] + 0.5)
                for s in self.spans
            )

    def all_back_after(self, moment: float) -> float:
        """Return when every part was up again at or after `moment`."""
        with self.lock:
            ends = [
                s[2] or time.monotonic()
                for s in self.spans
                if s[1] <= moment and (s[2] is None or s[2] >= moment)
            ]
        return max([moment, *ends])


class Cluster:
    """The processes of one installation, each startable and stoppable."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pg_port, self.redis_port = free_port(), free_port()
        self.pg_bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.pg_data = work / "pg"
        self.redis: subprocess.Popen | None = None
        self.nodes: dict[int, subprocess.Popen] = {}
        self.worker: subprocess.Popen | None = None
        self.scheduler: subprocess.Popen | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/wiredesk",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "WIREDESK_DATA_DIR": str(work / "data"),
            "WIREDESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "wiredesk.config.settings",
            "CHAOS_PUSH_SECRET": SECRET,
        }

    def _pg(self, *args: str) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.pg_bin / "pg_ctl"),
                "-D",
                str(self.pg_data),
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def init_postgres(self) -> None:
        self.pg_data.mkdir()
        shutil.chown(self.pg_data, "postgres", "postgres")
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.pg_bin / "initdb"),
                "-D",
                str(self.pg_data),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
            check=True,
            capture_output=True,
        )
        self.start_postgres()
        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.pg_port}/postgres", autocommit=True
        ) as db:
            db.execute("CREATE DATABASE wiredesk")

    def start_postgres(self) -> None:
        self._pg(
            "-o",
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k /tmp",
            "-l",
            str(self.pg_data / "server.log"),
            "-w",
            "start",
        )

    def stop_postgres(self) -> None:
        self._pg("-m", "immediate", "-w", "stop")

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def stop_redis(self) -> None:
        if self.redis:
            self.redis.kill()
            self.redis.wait()

    def manage(self, *args: str, **popen) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "wiredesk.cli", *args],
            env=self.env,
            cwd=self.work,
            stdout=subprocess.DEVNULL,
            stderr=open(self.work / f"{args[0]}.log", "ab"),
            start_new_session=True,
            **popen,
        )

    def setup(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "wiredesk.cli", "migrate", "-v", "0"], env=self.env, check=True
        )
        code = (
            "import django; django.setup()\n"
            "from wiredesk.sources.models import Agency, Feed\n"
            "a = Agency.objects.create(slug='chaos', name='Chaos Wire', byline='Chaos')\n"
            f"Feed.objects.create(agency=a, slug='{FEED}', transport='push', location='-',"
            " options={'secret_env': 'CHAOS_PUSH_SECRET'})\n"
        )
        subprocess.run([sys.executable, "-c", code], env=self.env, check=True)

    def start_node(self, port: int) -> None:
        self.nodes[port] = self.manage("serve", "--port", str(port), "--workers", "1")

    def start_worker(self) -> None:
        self.worker = self.manage("worker", "--concurrency", "2")

    def kill_worker(self) -> None:
        if self.worker:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait()

    def stop_all(self) -> None:
        for process in [*self.nodes.values(), self.worker, self.scheduler]:
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self.stop_redis()
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop_postgres()


@dataclass
class Tally:
    acked: set[int] = field(default_factory=set)
    killed: dict[int, float] = field(default_factory=dict)  # story number -> kill answered at
    answers: list[tuple[float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, status: int) -> None:
        with self.lock:
            self.answers.append((time.monotonic(), status))


def push(
    client: httpx.Client, nodes: list[str], body: bytes, tally: Tally, stop: threading.Event
) -> bool:
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    while not stop.is_set():
        try:
            answer = client.post(
                f"{random.choice(nodes)}/push/{FEED}/",
                content=body,
                headers={"X-Wiredesk-Signature": signature, "Content-Type": "application/xml"},
            )
            tally.answered(answer.status_code)
            if answer.status_code < 300:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # the agency tries again: the push is not lost
    return False


def agency(nodes: list[str], tally: Tally, stop: threading.Event, rate: float) -> None:
    with httpx.Client(timeout=10) as client:
        n = 0
        while not stop.is_set():
            n += 1
            if push(client, nodes, item(n), tally, stop):
                tally.acked.add(n)
            if n % 5 == 0 and push(client, nodes, item(n, 2, "canceled"), tally, stop):
                tally.killed[n] = time.monotonic()
            time.sleep(1 / rate)


def reader(nodes: list[str], tally: Tally, stop: threading.Event) -> None:
    with httpx.Client(timeout=10, follow_redirects=True) as client:
        while not stop.is_set():
            path = random.choice(["/", "/feeds/rss.xml", "/api/v1/stories"])
            with contextlib.suppress(httpx.HTTPError):
                tally.answered(client.get(random.choice(nodes) + path).status_code)
            time.sleep(0.05)


def story_pk(db_url: str, n: int) -> int | None:
    with psycopg.connect(db_url, connect_timeout=3) as db:
        row = db.execute(
            "SELECT id FROM stories_story WHERE item_id = %s", [f"urn:newsml:chaos.example:{n}"]
        ).fetchone()
    return row[0] if row else None


def kill_watcher(
    nodes: list[str],
    tally: Tally,
    outages: Outages,
    db_url: str,
    visible: dict[int, float],
    stop: threading.Event,
) -> None:
    """Time each killed story from its kill (or from every part being back) to 410 on both nodes."""
    watched: set[int] = set()
    give_up = None
    with httpx.Client(timeout=5) as client:
        while not stop.is_set() or len(watched) < len(tally.killed):
            if stop.is_set():
                give_up = give_up or time.monotonic() + 120
                if time.monotonic() > give_up:
                    return
            for n, killed_at in list(tally.killed.items()):
                if n in watched:
                    continue
                try:
                    pk = story_pk(db_url, n)
                except psycopg.Error:
                    continue
                if pk is None:
                    continue
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        codes = {client.get(f"{node}/story/{pk}/").status_code for node in nodes}
                    except httpx.HTTPError:
                        codes = {0}
                    if codes == {410}:
                        break
                    time.sleep(0.05)
                gone_at = time.monotonic()
                visible[n] = max(0.0, gone_at - outages.all_back_after(killed_at))
                watched.add(n)
            time.sleep(0.1)


def chaos(cluster: Cluster, outages: Outages, stop: threading.Event, rng: random.Random) -> None:
    while not stop.wait(rng.uniform(4, 10)):
        part = rng.choice(["redis", "postgres", "worker"])
        span = outages.begin(part)
        if part == "redis":
            cluster.stop_redis()
            stop.wait(rng.uniform(3, 10))
            cluster.start_redis()
        elif part == "postgres":
            cluster.stop_postgres()
            stop.wait(rng.uniform(2, 6))
            cluster.start_postgres()
        else:
            cluster.kill_worker()
            stop.wait(rng.uniform(1, 4))
            cluster.start_worker()
        outages.end(span)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=5.0, help="stories pushed a second")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("runuser") or not shutil.which("redis-server"):
        print("needs root, runuser and redis-server (see the docstring)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="wiredesk-chaos-"))
    os.chmod(work, 0o755)
    cluster = Cluster(work)
    rng = random.Random(args.seed)
    random.seed(args.seed)
    try:
        cluster.init_postgres()
        cluster.start_redis()
        cluster.setup()
        ports = [free_port(), free_port()]
        for port in ports:
            cluster.start_node(port)
        cluster.start_worker()
        cluster.scheduler = cluster.manage("scheduler")
        nodes = [f"http://127.0.0.1:{port}" for port in ports]
        for node in nodes:
            for _ in range(300):
                try:
                    if httpx.get(node + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        tally, outages, visible = Tally(), Outages(), {}
        stop, done = threading.Event(), threading.Event()
        threads = [
            threading.Thread(target=agency, args=(nodes, tally, stop, args.rate)),
            threading.Thread(target=reader, args=(nodes, tally, stop)),
            threading.Thread(target=reader, args=(nodes, tally, stop)),
            threading.Thread(target=chaos, args=(cluster, outages, stop, rng)),
        ]
        watcher = threading.Thread(
            target=kill_watcher,
            args=(nodes, tally, outages, cluster.env["DATABASE_URL"], visible, done),
        )
        for thread in [*threads, watcher]:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        done.set()
        watcher.join()
        with psycopg.connect(cluster.env["DATABASE_URL"]) as db:
            stored = {
                int(i.rsplit(":", 1)[1])
                for (i,) in db.execute(
                    "SELECT item_id FROM stories_story s JOIN sources_agency a ON a.id = s.agency_id WHERE a.slug = 'chaos'"
                )
            }
            duplicated = (
                db.execute(
                    "SELECT count(*) FROM (SELECT item_id FROM stories_story GROUP BY agency_id, item_id HAVING count(*) > 1) d"
                ).fetchone()[0]
                + db.execute(
                    "SELECT count(*) FROM (SELECT story_id, version FROM stories_storyversion GROUP BY story_id, version HAVING count(*) > 1) d"
                ).fetchone()[0]
            )
        lost = tally.acked - stored
        outside = sum(
            1 for at, code in tally.answers if code >= 500 and not outages.down_at(at, "postgres")
        )
        inside = sum(
            1 for at, code in tally.answers if code >= 500 and outages.down_at(at, "postgres")
        )
        longest = max(visible.values(), default=0.0)
        counts = {
            part: sum(1 for s in outages.spans if s[0] == part)
            for part in ("redis", "postgres", "worker")
        }
        print(
            f"Chaos for {args.seconds:.0f} s (seed {args.seed}): Redis stopped {counts['redis']} times, "
            f"PostgreSQL {counts['postgres']}, the worker killed {counts['worker']}\n"
        )
        rows = [
            ("deliveries sent (answered 2xx)", len(tally.acked) + len(tally.killed), None),
            ("stories published", len(stored), None),
            ("lost", len(lost), 0),
            ("duplicated", duplicated, 0),
            ("5xx outside PostgreSQL outages", outside, 0),
            ("5xx while PostgreSQL was down", inside, None),
            ("answers in all", len(tally.answers), None),
            ("killed stories timed", len(visible), None),
        ]
        print(f"{'measure':<34} {'figure':>10} {'target':>8}")
        missed = False
        for name, figure, target in rows:
            ok = target is None or figure <= target
            missed |= not ok
            print(
                f"{name:<34} {figure:>10,} {'' if target is None else target:>8} {'' if ok else 'MISS'}"
            )
        ok = longest <= TARGET_VISIBLE_SECONDS
        missed |= not ok
        print(
            f"{'longest killed story visible (s)':<34} {longest:>10.2f} {TARGET_VISIBLE_SECONDS:>8} {'' if ok else 'MISS'}"
        )
        return 1 if missed else 0
    finally:
        cluster.stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
