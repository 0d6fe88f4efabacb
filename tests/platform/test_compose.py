"""The container files: docker-compose.yml, Dockerfile and .dockerignore, read as text.

No Docker engine and no database: these tests check the structure that the deployment
relies on, and that every TANDEM_* name in them is a real setting.
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from app.cli import build_parser, cmd_create_user, cmd_worker, cmd_worker_probe, main
from app.core.config import Settings
from app.core.security import verify_password

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("migrate", "api", "worker")
TANDEM_NAME = re.compile(r"\bTANDEM_[A-Z0-9_]+\b")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)
REQUIRED_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?\?[^}]*\}")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSPHRASE|TOKEN|(^|_)KEYS?$")
BUILD_TOOLS = re.compile(r"(?<![\w-])(gcc|g\+\+|cc|clang|make|build-essential)(?![\w-])")


# --- helpers ---------------------------------------------------------------------------------


def setting_env_names() -> set[str]:
    return {"TANDEM_" + name.upper() for name in Settings.model_fields}


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def services() -> dict[str, dict[str, Any]]:
    found = load_compose().get("services")
    assert isinstance(found, dict), "docker-compose.yml has no services"
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two compose forms it uses."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        env: dict[str, str] = {}
        for item in raw:
            key, _, value = str(item).partition("=")
            env[key] = value
        return env
    assert isinstance(raw, dict)
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str | None]:
    """Each dependency and its condition (None for the short list form)."""
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw)
    return {name: (spec or {}).get("condition") for name, spec in raw.items()}


def command_text(value: Any) -> str:
    return " ".join(value) if isinstance(value, list) else str(value or "")


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's variable substitution, for the forms this file may use."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = variables.get(name)
        if op and op.endswith("?"):
            if value is None or (op == ":?" and value == ""):
                raise LookupError(f"{name}: {arg}")
            return value
        if op and op.endswith("-"):
            if value is None or (op == ":-" and value == ""):
                return arg
            return value
        return value or ""

    return INTERPOLATION.sub(substitute, text)


@dataclass
class Instruction:
    keyword: str
    arguments: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1].strip() + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def dockerfile_stages() -> list[Stage]:
    stages: list[Stage] = []
    for instruction in dockerfile_instructions(DOCKERFILE.read_text()):
        if instruction.keyword == "FROM":
            words = [w for w in instruction.arguments.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def dockerfile_args() -> dict[str, str]:
    """Global ARG defaults (those before the first FROM)."""
    values: dict[str, str] = {}
    for instruction in dockerfile_instructions(DOCKERFILE.read_text()):
        if instruction.keyword == "FROM":
            break
        if instruction.keyword == "ARG":
            name, _, default = instruction.arguments.partition("=")
            values[name.strip()] = default.strip().strip("\"'")
    return values


def final_stage() -> Stage:
    stages = dockerfile_stages()
    assert stages, "the Dockerfile has no FROM"
    return stages[-1]


def copied_paths(stage: Stage) -> dict[str, PurePosixPath]:
    """Where each build-context source of the stage's COPY lines lands (absolute paths)."""
    workdir = PurePosixPath("/")
    placed: dict[str, PurePosixPath] = {}
    for instruction in stage.instructions:
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.arguments.strip()
        if instruction.keyword not in {"COPY", "ADD"}:
            continue
        words = instruction.arguments.split()
        if any(w.startswith("--from") for w in words):
            continue
        paths = [w for w in words if not w.startswith("--")]
        *sources, target = paths
        destination = workdir / target
        for source in sources:
            name = source.rstrip("/")
            if target.endswith("/") or len(sources) > 1:
                placed[name] = destination / PurePosixPath(name).name
            else:
                placed[name] = destination
    return placed


def stage_env(stage: Stage) -> dict[str, str]:
    values: dict[str, str] = {}
    for instruction in stage.all("ENV"):
        for pair in instruction.arguments.split():
            key, sep, value = pair.partition("=")
            if sep:
                values[key] = value.strip("\"'")
    return values


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_has_the_four_services() -> None:
    assert {"postgres", "migrate", "api", "worker"} <= set(services())


def test_postgres_has_a_pg_isready_healthcheck_and_a_named_volume() -> None:
    postgres = services()["postgres"]
    assert "pg_isready" in command_text(postgres.get("healthcheck", {}).get("test"))
    named = set(load_compose().get("volumes") or {})
    mounts = [str(v).split(":", 1)[0] for v in postgres.get("volumes", [])]
    assert any(source in named for source in mounts), "postgres data is not on a named volume"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_a_healthy_postgres(name: str) -> None:
    assert depends_on(services()[name]).get("postgres") == "service_healthy"


@pytest.mark.parametrize("name", ["api", "worker"])
def test_api_and_worker_wait_for_the_migrations(name: str) -> None:
    assert depends_on(services()[name]).get("migrate") == "service_completed_successfully"


def test_migrate_is_a_one_shot_tandem_migrate() -> None:
    migrate = services()["migrate"]
    assert command_text(migrate.get("command")).split()[-2:] == ["tandem", "migrate"]
    assert migrate.get("restart") == "no"


def test_api_serves_without_migrating_and_probes_livez() -> None:
    api = services()["api"]
    command = command_text(api.get("command"))
    if command:  # else the image's CMD applies, which the Dockerfile test checks
        assert "serve" in command.split()
        assert "--no-migrate" in command.split()
    assert "/livez" in command_text(api.get("healthcheck", {}).get("test"))
    assert not api["healthcheck"].get("disable")
    assert any(str(port).split(":")[-1] == "8000" for port in api.get("ports", []))


def test_api_leaves_jobs_to_the_worker() -> None:
    value = environment(services()["api"]).get("TANDEM_RUN_WORKER_IN_PROCESS", "")
    assert value.lower() == "false"


def test_worker_runs_tandem_worker_without_the_http_healthcheck() -> None:
    worker = services()["worker"]
    assert command_text(worker.get("command")).split()[:2] == ["tandem", "worker"]
    # Without its own healthcheck the worker would inherit the image's, which probes an HTTP
    # server the worker does not run, and so be reported unhealthy forever.
    healthcheck = worker.get("healthcheck")
    assert isinstance(healthcheck, dict), "the worker must override the image's healthcheck"
    if healthcheck.get("disable") is not True:
        assert healthcheck.get("test"), "the worker's healthcheck has no test"
        assert "/livez" not in command_text(healthcheck["test"])


def test_worker_healthcheck_probes_the_file_the_worker_beats() -> None:
    worker = services()["worker"]
    command = build_parser().parse_args(command_text(worker["command"]).split()[1:])
    assert command.func is cmd_worker
    assert command.heartbeat_file is not None
    test = worker["healthcheck"]["test"]
    assert test[0] == "CMD"
    probe = build_parser().parse_args(test[2:])
    assert test[1] == "tandem"
    assert probe.func is cmd_worker_probe
    assert probe.heartbeat_file == command.heartbeat_file
    # Several missed beats before the worker counts as unhealthy.
    interval = Settings.model_fields["worker_heartbeat_seconds"].default
    assert probe.max_age >= 3 * interval


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_are_wired_to_postgres_in_production(name: str) -> None:
    env = environment(services()[name])
    assert env.get("TANDEM_ENV") == "production"
    url = env.get("TANDEM_DATABASE_URL", "")
    assert re.fullmatch(r"postgres(ql)?(\+asyncpg)?://tandem:\$\{[^}]+\}@postgres:5432/tandem", url)


def test_shared_environment_comes_from_the_x_tandem_env_extension() -> None:
    shared = load_compose().get("x-tandem-env")
    assert isinstance(shared, dict), "x-tandem-env is missing"
    for name in APP_SERVICES:
        env = environment(services()[name])
        assert {key: env.get(key) for key in shared} == {k: str(v) for k, v in shared.items()}


def test_every_tandem_name_in_the_compose_file_is_a_setting() -> None:
    named = set(TANDEM_NAME.findall(COMPOSE_FILE.read_text()))
    assert {"TANDEM_ENV", "TANDEM_DATABASE_URL", "TANDEM_SECRET_KEY"} <= named
    unknown = sorted(named - setting_env_names())
    assert not unknown, f"not Settings fields: {unknown}"


def test_secrets_are_required_interpolations_never_literals() -> None:
    for name in APP_SERVICES:
        secret = environment(services()[name]).get("TANDEM_SECRET_KEY", "")
        match = REQUIRED_INTERPOLATION.fullmatch(secret)
        assert match, f"{name}: TANDEM_SECRET_KEY must be ${{TANDEM_SECRET_KEY:?...}}"
        assert match["name"] == "TANDEM_SECRET_KEY"
    password = environment(services()["postgres"]).get("POSTGRES_PASSWORD", "")
    assert REQUIRED_INTERPOLATION.fullmatch(password), "POSTGRES_PASSWORD must be required"
    for service_name, service in services().items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                assert INTERPOLATION.fullmatch(value), f"{service_name}: {key} is a literal"
            for userinfo in re.findall(r"://[^:/@\s]+:([^@\s]+)@", value):
                assert INTERPOLATION.fullmatch(userinfo), f"{service_name}: {key} has a password"


def test_compose_refuses_to_start_without_the_secrets() -> None:
    env = environment(services()["api"])
    with pytest.raises(LookupError, match="TANDEM_SECRET_KEY"):
        interpolate(env["TANDEM_SECRET_KEY"], {"POSTGRES_PASSWORD": "pw"})
    with pytest.raises(LookupError, match="POSTGRES_PASSWORD"):
        interpolate(env["TANDEM_DATABASE_URL"], {"TANDEM_SECRET_KEY": "k" * 40})


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_resolved_environment_makes_valid_production_settings(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    given = {
        "TANDEM_SECRET_KEY": "s" * 48,
        "POSTGRES_PASSWORD": "pw0123456789",
        "TANDEM_PUBLIC_BASE_URL": "https://tandem.example.com",
    }
    monkeypatch.chdir(tmp_path)  # no .env file
    for key in list(os.environ):
        if key.startswith("TANDEM_"):
            monkeypatch.delenv(key)
    for key, value in environment(services()[name]).items():
        monkeypatch.setenv(key, interpolate(value, given))
    settings = Settings()
    assert settings.is_production
    assert settings.resolved_database_url == (
        "postgresql+asyncpg://tandem:pw0123456789@postgres:5432/tandem"
    )
    assert settings.resolved_secret_key == given["TANDEM_SECRET_KEY"]
    if name == "api":
        assert settings.worker_in_process is False


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_a_slim_python() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    base = final_stage().base
    for arg, default in dockerfile_args().items():
        base = base.replace("${" + arg + "}", default).replace("$" + arg, default)
    assert re.fullmatch(r"python:3\.1[1-9][\w.-]*-slim[\w.-]*", base), base
    copies = [i.arguments for i in final_stage().all("COPY") if "--from=" in i.arguments]
    assert copies, "the final stage copies nothing from the build stage"


def test_final_stage_runs_as_a_non_root_user() -> None:
    users = final_stage().all("USER")
    assert users, "the final stage has no USER"
    user = users[-1].arguments.split(":", 1)[0].strip()
    assert user not in {"root", "0", ""}


def test_final_stage_has_no_build_tools() -> None:
    for instruction in final_stage().all("RUN"):
        found = BUILD_TOOLS.search(instruction.arguments)
        assert not found, f"the final stage uses {found[0] if found else ''}"


def test_healthcheck_probes_livez_without_curl() -> None:
    checks = final_stage().all("HEALTHCHECK")
    assert checks, "the final stage has no HEALTHCHECK"
    check = checks[-1].arguments
    assert "/livez" in check
    assert "curl" not in check
    assert "wget" not in check


def test_image_serves_on_8000_without_migrating() -> None:
    stage = final_stage()
    assert any("8000" in i.arguments.split() for i in stage.all("EXPOSE"))
    cmd = stage.all("CMD")[-1].arguments
    words = json.loads(cmd) if cmd.startswith("[") else cmd.split()
    assert words[:2] == ["tandem", "serve"]
    assert "--no-migrate" in words
    assert words[words.index("--host") + 1] == "0.0.0.0"  # noqa: S104 - reachable from outside
    assert words[words.index("--port") + 1] == "8000"


def test_image_environment_is_production_with_data_in_a_volume() -> None:
    stage = final_stage()
    env = stage_env(stage)
    assert env.get("TANDEM_ENV") == "production"
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"
    data_dir = env.get("TANDEM_DATA_DIR")
    assert data_dir
    assert any(data_dir in i.arguments for i in stage.all("VOLUME"))
    runs = " ".join(i.arguments for i in stage.all("RUN"))
    assert re.search(rf"chown\s+\S+\s+{re.escape(data_dir)}(\s|$)", runs), "not owned by the user"


def test_every_tandem_name_in_the_dockerfile_is_a_setting() -> None:
    unknown = sorted(set(TANDEM_NAME.findall(DOCKERFILE.read_text())) - setting_env_names())
    assert not unknown, f"not Settings fields: {unknown}"


def test_migrations_sit_beside_the_app_package() -> None:
    """app/core/migrations.py finds alembic.ini and alembic/ in the parent of app/."""
    placed = copied_paths(final_stage())
    for source in ("app", "alembic", "alembic.ini", "pyproject.toml"):
        assert source in placed, f"the final stage does not copy {source}"
    root = placed["app"].parent
    assert placed["alembic"] == root / "alembic"
    assert placed["alembic.ini"] == root / "alembic.ini"


def test_no_remote_syntax_directive() -> None:
    """A `# syntax=` parser directive makes BuildKit fetch a frontend image from a registry."""
    for line in DOCKERFILE.read_text().splitlines():
        if not line.startswith("#"):
            break
        assert not re.match(r"#\s*syntax\s*=", line, re.IGNORECASE), line


def _uninstalls(instruction: Instruction) -> set[str]:
    found: set[str] = set()
    for match in re.finditer(r"pip uninstall ((?:--?[\w-]+ )*)([\w\- ]+)", instruction.arguments):
        found |= set(match.group(2).split())
    return found


def test_pip_and_setuptools_are_not_in_the_runtime_image() -> None:
    build, runtime = dockerfile_stages()[0], final_stage()
    # The venv loses them after its last install, so the copy to the final stage has none ...
    runs = build.all("RUN")
    last_install = max(i for i, run in enumerate(runs) if "pip install" in run.arguments)
    tail = runs[last_install:]
    assert any({"pip", "setuptools"} <= _uninstalls(run) for run in tail)
    for run in tail:
        after = run.arguments.split("pip uninstall", 1)[-1]
        assert "pip install" not in after, "something is installed after pip is removed"
    # ... and the base image's interpreter loses them too.
    assert any(
        {"pip", "setuptools"} <= _uninstalls(run) and "/usr/local/bin/python" in run.arguments
        for run in runtime.all("RUN")
    )
    assert all("pip install" not in run.arguments for run in runtime.all("RUN"))


# --- First admin under compose -----------------------------------------------------------------


def readme_bootstrap_command() -> tuple[str, list[str]]:
    """The README's first-admin command: the input it pipes and the `docker compose` words."""
    text = (ROOT / "README.md").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if "docker compose run" in line)
    piped, _, command = line.partition("|")
    return piped.strip(), command.split()


def test_the_readme_creates_the_first_admin_with_a_one_off_container() -> None:
    piped, words = readme_bootstrap_command()
    assert words[:3] == ["docker", "compose", "run"]
    service = next(w for w in words[3:] if not w.startswith("-"))
    options = words[3 : words.index(service)]
    assert "--rm" in options  # no container left behind
    assert "-T" in options  # no TTY, so the piped password reaches stdin
    assert service in services()
    assert environment(services()[service]).get("TANDEM_DATABASE_URL")
    # It runs after the migrations, as compose starts the service's dependencies first.
    assert depends_on(services()[service]).get("migrate") == "service_completed_successfully"
    args = build_parser().parse_args(words[words.index("tandem") + 1 :])
    assert args.func is cmd_create_user
    assert args.role == "admin"
    assert args.password_stdin  # the password never appears in a process list or history
    assert piped.startswith("printf")
    assert "$" in piped


def test_the_readme_bootstrap_command_creates_an_admin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Run the README's `tandem create-user` words with the service's environment (the
    database swapped for a migrated SQLite file): an admin who can sign in."""
    _, words = readme_bootstrap_command()
    service = next(w for w in words[3:] if not w.startswith("-"))
    given = {
        "TANDEM_SECRET_KEY": "s" * 48,
        "POSTGRES_PASSWORD": "pw0123456789",
        "TANDEM_PUBLIC_BASE_URL": "https://tandem.example.com",
    }
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("TANDEM_"):
            monkeypatch.delenv(key)
    for key, value in environment(services()[service]).items():
        monkeypatch.setenv(key, interpolate(value, given))
    monkeypatch.setenv("TANDEM_DATABASE_URL", f"sqlite:///{tmp_path / 'compose.db'}")
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-admin-passphrase-for-ops\n"))
    assert main(words[words.index("tandem") + 1 :]) == 0
    with sqlite3.connect(tmp_path / "compose.db") as db:
        role, password_hash = db.execute("SELECT role, password_hash FROM users").fetchone()
    assert role == "admin"
    assert verify_password(password_hash, "a-long-admin-passphrase-for-ops")


# --- .dockerignore ---------------------------------------------------------------------------


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", ".env"} <= patterns
    kept = {"app", "alembic", "alembic.ini", "pyproject.toml", "README.md"}
    assert not patterns & kept, "a file the image needs is excluded"
