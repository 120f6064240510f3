"""The image (Containerfile) built, started and serving the seed story; compose.yaml's services.

No container registry is reachable where the tests run, so the image is built
on a base made from Debian's own packages (mmdebstrap, `podman import`), passed
as BASE; users build on the public Python image, the Containerfile's default.
The base is kept under ~/.cache/wiredesk-container and in the local image
store, and Buildah keeps the image's layers: a second run builds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import urllib.parse
from pathlib import Path

import lxml.html
import pytest
import yaml
from django.core.management import CommandError, get_commands, load_command_class

from .test_commands_live import SEED_URL, free_port, wait_for
from .test_seed_story import HEADLINE

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_MD = ROOT / "docs" / "deploy.md"
CACHE = Path.home() / ".cache" / "wiredesk-container"
# A base with what the Containerfile asks of one: python3 (3.11), its venv
# module and useradd (minbase has it).
DEBIAN_BASE = ["mmdebstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm"]
BASE_IMAGE = "localhost/wiredesk-test-base"
IMAGE = "localhost/wiredesk-test"
# This machine's trusted certificates, for a proxy that re-signs TLS on the
# way to PyPI (the Containerfile's `ca-certificates` secret).
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
TOOLS = ("buildah", "podman", "mmdebstrap")

# The image runs on its own embedded default: the same on either pass of CI.
pytestmark = [pytest.mark.container, pytest.mark.embedded_engine]


def import_command(tarball: str, tag: str) -> list[str]:
    return ["podman", "import", tarball, tag]


def build_command(base: str, ca_bundle: Path | None) -> list[str]:
    command = ["buildah", "build", "--isolation", "chroot", "--layers", "--format", "docker"]
    command += ["--build-arg", f"BASE={base}"]
    if ca_bundle is not None:
        command += ["--secret", f"id=ca-certificates,src={ca_bundle}"]
    return [*command, "-t", IMAGE, "-f", "Containerfile", "."]


def in_container(container: str, *argv: str) -> list[str]:
    # Chroot isolation: no namespaces of its own (which this sandbox refuses),
    # so the server listens on the host's network.
    return ["buildah", "run", "--isolation", "chroot", container, "--", *argv]


def demo_command(container: str, port: int) -> list[str]:
    return in_container(
        container,
        "wiredesk",
        "demo",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        "/data",
    )


def run(argv: list[str], log: Path, timeout: float, cwd: Path = ROOT) -> None:
    """Run `argv` with its output in `log`; fail with the output's end if it fails."""
    with log.open("wb") as out:
        done = subprocess.run(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{shlex.join(argv)} exited {done.returncode}:\n{log.read_text()[-5000:]}")


def image_exists(tag: str) -> bool:
    found = subprocess.run(["buildah", "inspect", "--type", "image", tag], capture_output=True)
    return found.returncode == 0


def debian_base(logs: Path) -> str:
    """Return a base image made from Debian's packages, made once and kept."""
    key = hashlib.sha256(shlex.join(DEBIAN_BASE).encode()).hexdigest()[:12]
    tag = f"{BASE_IMAGE}:{key}"
    if image_exists(tag):
        return tag
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / f"debian-{key}.tar"
    if not tarball.exists():
        partial = CACHE / f"partial-debian-{key}.tar"
        run([*DEBIAN_BASE, str(partial)], logs / "mmdebstrap.log", timeout=900)
        partial.rename(tarball)
    run(import_command(str(tarball), tag), logs / "import.log", timeout=300)
    return tag


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    # Outside CI a machine without them skips this; in CI their absence is a failure.
    if missing and not os.environ.get("CI"):
        pytest.skip(
            f"{', '.join(missing)} not installed here: the image is not built "
            "(.ci/run installs Debian's buildah, podman and mmdebstrap)"
        )
    logs = tmp_path_factory.mktemp("container")
    base = debian_base(logs)
    ca_bundle = CA_BUNDLE if CA_BUNDLE.exists() else None
    run(build_command(base, ca_bundle), logs / "build.log", timeout=1800)
    return IMAGE


@pytest.fixture
def container(image: str):
    made = subprocess.run(["buildah", "from", image], capture_output=True, text=True, check=True)
    name = made.stdout.split()[-1]
    yield name
    subprocess.run(["buildah", "rm", name], capture_output=True)


def image_config(image: str) -> dict:
    """Return the image's configuration (Docker format: the one with a health check)."""
    inspected = subprocess.run(
        ["buildah", "inspect", "--type", "image", image], capture_output=True, check=True
    )
    return json.loads(inspected.stdout)["Docker"]["config"]


def wiredesk_command(argv: list[str]):
    """Parse `argv` as the `wiredesk` command it names would; raise if it is not one."""
    assert argv[0] == "wiredesk", argv
    name = argv[1]
    assert name in get_commands(), f"wiredesk has no command {name!r}"
    command = load_command_class(get_commands()[name], name)
    # A CommandError for an option the command does not take.
    return command.create_parser("wiredesk", name).parse_args(argv[2:])


def test_the_image_serves_the_seed_story_as_its_own_user_from_the_data_volume(container, tmp_path):
    port = free_port()
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            demo_command(container, port), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        response, _ = wait_for(base + SEED_URL, lambda r: r.status_code == 200, timeout=120)
        page = lxml.html.fromstring(response.content)
        assert [h1.text_content() for h1 in page.xpath("//h1")] == [HEADLINE]

        # The image's own health check (no curl: Python asks /healthz), at this port.
        kind, *check = image_config(IMAGE)["Healthcheck"]["Test"]
        assert kind == "CMD"
        assert "http://127.0.0.1:8000/healthz" in check[-1]
        check[-1] = check[-1].replace(":8000/", f":{port}/")
        healthy = subprocess.run(in_container(container, *check), capture_output=True, text=True)
        assert healthy.returncode == 0, healthy.stderr
        # The database and key are in the data volume, the image's user's alone.
        listing = subprocess.run(
            in_container(
                container,
                "stat",
                "-c",
                "%n %U %a",
                "/data",
                "/data/wiredesk.sqlite3",
                "/data/secret_key",
            ),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        assert listing[:3] == [
            "/data wiredesk 700",
            "/data/wiredesk.sqlite3 wiredesk 600",
            "/data/secret_key wiredesk 600",
        ]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(log_path.read_text()[-5000:])  # shown when the test fails


def test_the_image_runs_wiredesk_as_its_own_user_with_data_in_a_volume_and_no_test_tools(
    image, container
):
    config = image_config(image)
    assert config["User"] == "wiredesk"
    assert "WIREDESK_DATA_DIR=/data" in config["Env"]
    assert set(config["Volumes"]) == {"/data"}
    assert set(config["ExposedPorts"]) == {"8000/tcp"}
    # The default command migrates, serves the site and ingests, on the exposed port.
    options = wiredesk_command(config["Cmd"])
    assert config["Cmd"][1] == "run" and (options.host, options.port) == ("0.0.0.0", 8000)
    whoami = subprocess.run(
        in_container(container, "id", "-un"), capture_output=True, text=True, check=True
    )
    assert whoami.stdout.strip() == "wiredesk"
    # The locked dependencies without the dev group: no test tools in the image.
    for module in ("pytest", "ruff", "mypy", "hypothesis"):
        found = subprocess.run(
            in_container(container, "python3", "-c", f"import {module}"),
            capture_output=True,
            text=True,
        )
        assert found.returncode != 0 and "ModuleNotFoundError" in found.stderr, module
    # PostgreSQL's client tools, for `wiredesk backup` and `restore` on PostgreSQL.
    dump = subprocess.run(
        in_container(container, "pg_dump", "--version"), capture_output=True, text=True
    )
    assert dump.returncode == 0 and dump.stdout.startswith("pg_dump (PostgreSQL) 15"), dump
    # The code is root's: the running user cannot change it.
    touched = subprocess.run(
        in_container(container, "touch", "/app/src/wiredesk/cli.py"), capture_output=True
    )
    assert touched.returncode != 0


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def wiredesk_services() -> dict[str, dict]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service["image"] == "wiredesk"
    }


def test_compose_runs_web_workers_and_one_scheduler_after_migrating_on_postgresql_and_redis():
    services = compose()["services"]
    commands = {name: service["command"][:2] for name, service in wiredesk_services().items()}
    assert commands == {
        "migrate": ["wiredesk", "migrate"],
        "sources": ["wiredesk", "sources"],
        "web": ["wiredesk", "serve"],
        "worker": ["wiredesk", "worker"],
        "scheduler": ["wiredesk", "scheduler"],
    }
    assert set(services) == {*commands, "postgres", "redis"}
    assert services["scheduler"]["deploy"]["replicas"] == 1
    # Every option given is one its command takes.
    options = {name: wiredesk_command(s["command"]) for name, s in wiredesk_services().items()}
    assert (options["web"].host, options["web"].port) == ("0.0.0.0", 8000)
    assert services["web"]["ports"] == ["8000:8000"]
    assert options["sources"].action == "sync"
    # A misspelt option, or a command that is not one, would not pass.
    with pytest.raises(CommandError):
        wiredesk_command(["wiredesk", "serve", "--prot", "8000"])
    with pytest.raises(AssertionError, match="no command 'web'"):
        wiredesk_command(["wiredesk", "web"])


def test_every_wiredesk_service_shares_the_database_redis_key_config_and_data_folder():
    services = wiredesk_services()
    shared = {"DATABASE_URL", "REDIS_URL", "WIREDESK_SECRET_KEY", "WIREDESK_SITE_URL"}
    environments = {name: s["environment"] for name, s in services.items()}
    first = next(iter(environments.values()))
    assert shared <= set(first)
    assert all(environment == first for environment in environments.values())
    # Compose puts the variables in first (a `?` in `${NAME:?message}` is no query).
    filled = {name: re.sub(r"\$\{[^}]*\}", "secret", first[name]) for name in shared}
    assert urllib.parse.urlsplit(filled["DATABASE_URL"]).hostname == "postgres"
    assert urllib.parse.urlsplit(filled["REDIS_URL"]).hostname == "redis"
    for service in services.values():
        assert service["volumes"] == ["wiredesk-data:/data"]
        assert service["configs"] == [{"source": "wiredesk", "target": "/app/wiredesk.toml"}]
        assert service["build"] == {"context": ".", "dockerfile": "Containerfile"}
    assert compose()["configs"]["wiredesk"] == {"file": "./wiredesk.toml"}


def test_compose_starts_each_service_once_what_it_needs_is_healthy_or_done():
    services = compose()["services"]
    assert services["web"]["healthcheck"]["test"][-1].endswith(
        "urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
    )
    for name in ("worker", "scheduler", "migrate", "sources"):
        assert services[name]["healthcheck"] == {"disable": True}, name
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            if how["condition"] == "service_healthy":
                assert "disable" not in services[needed]["healthcheck"], (name, needed)
            else:
                assert how["condition"] == "service_completed_successfully", (name, needed)
                assert services[needed]["restart"] == "no", (name, needed)
    order = {name: set(s.get("depends_on", {})) for name, s in services.items()}
    assert order["migrate"] == {"postgres", "redis"}
    assert order["sources"] == {"migrate"}
    assert order["web"] == order["worker"] == order["scheduler"] == {"sources"}


def docs_container_commands() -> list[list[str]]:
    """Return the commands in the sh blocks of docs/deploy.md's "Container" section."""
    section = DEPLOY_MD.read_text().split("\n## Container\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    lines = "".join(blocks).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.strip()]


def test_deploy_md_shows_the_commands_this_test_builds_and_starts_the_image_with():
    documented = docs_container_commands()
    for command in (
        [*DEBIAN_BASE, "base.tar"],
        import_command("base.tar", BASE_IMAGE),
        build_command(BASE_IMAGE, CA_BUNDLE),
        ["buildah", "from", IMAGE],
        demo_command("wiredesk-test-working-container", 8000),
    ):
        assert command in documented, shlex.join(command)
