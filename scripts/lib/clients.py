"""Generate the Python and TypeScript clients from a live server's OpenAPI document and call
every read operation through them as admin, recruiter, hiring manager, interviewer and the
demo API client. A client that cannot parse an answer (or TypeScript that does not compile
under `strict`) fails the run.

Usage (through `scripts/clients`, which installs openapi-python-client in .venv-clients):
    scripts/clients                 # a fresh demo server on SQLite
    scripts/clients --keep DIR      # keep the generated clients in DIR
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from client_ids import discover, read_operations
from client_typescript import typescript_exercise
from demo_server import ROLES, ROOT, DemoServer, demo_server

CLIENT_PYTHON = ROOT / ".venv-clients" / "bin" / "python"
GENERATOR = ROOT / ".venv-clients" / "bin" / "openapi-python-client"
NPM_PACKAGES = ("openapi-typescript@7.13.0", "openapi-fetch@0.17.0", "typescript@5.9.3")
# openapi-python-client reads these media types as bytes (it has no reader of its own for them).
PYTHON_CONFIG = """content_type_overrides:
  "audio/*": application/octet-stream
  "video/*": application/octet-stream
  text/vtt: application/octet-stream
  text/srt: application/octet-stream
  application/srt: application/octet-stream
  application/x-subrip: application/octet-stream
  text/plain: application/octet-stream
"""


def run(cmd: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(cmd[:3])} ... (exit {done.returncode})")
    return done


def python_client(work: Path, plan_file: Path) -> dict[str, Any]:
    (work / "python-config.yaml").write_text(PYTHON_CONFIG)
    generate = ["generate", "--path", "openapi.json", "--output-path", "tandem_client"]
    options = ["--meta", "none", "--config", "python-config.yaml", "--overwrite"]
    run([str(GENERATOR), *generate, *options], cwd=work)
    result = work / "python-result.json"
    runner = Path(__file__).with_name("client_python.py")
    run([str(CLIENT_PYTHON), str(runner), "tandem_client", str(plan_file), str(result)], cwd=work)
    outcome: dict[str, Any] = json.loads(result.read_text())
    return outcome


def ts_client(work: Path, plan: dict[str, Any]) -> dict[str, Any]:
    ts = work / "typescript"
    ts.mkdir(exist_ok=True)
    (ts / "package.json").write_text('{"private": true, "type": "module"}\n')
    run(["npm", "install", "--no-audit", "--no-fund", "--silent", *NPM_PACKAGES], cwd=ts)
    run(["npx", "openapi-typescript", "../openapi.json", "-o", "schema.d.ts"], cwd=ts)
    (ts / "exercise.ts").write_text(typescript_exercise(plan["reads"]))
    (ts / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "strict": True,
                    "noUncheckedIndexedAccess": True,
                    "target": "ES2022",
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "outDir": "dist",
                    "skipLibCheck": False,
                },
                "files": ["exercise.ts"],
            }
        )
    )
    run(["npx", "tsc", "-p", "tsconfig.json"], cwd=ts)
    env = {**os.environ, "BASE_URL": plan["base_url"], "TOKENS": json.dumps(plan["tokens"])}
    done = run(["node", "dist/exercise.js"], cwd=ts, env=env)
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def make_plan(server: DemoServer, spec: dict[str, Any]) -> dict[str, Any]:
    tokens = {p: server.headers(p)["Authorization"].removeprefix("Bearer ") for p in ROLES}
    headers = {p: {"Authorization": f"Bearer {t}"} for p, t in tokens.items()}
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        ids = discover(http, headers)
    return {"base_url": server.base_url, "tokens": tokens, "reads": read_operations(spec, ids)}


def report(name: str, outcome: dict[str, Any]) -> bool:
    failures = outcome["failures"]
    print(f"{name}: {outcome['calls']} calls, {len(failures)} failed to parse")
    for failure in failures[:40]:
        print(f"  {failure['operation_id']} as {failure['principal']}: {failure['error']}")
    return not failures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/clients", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, default=None, help="write the clients here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tandem-clients-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        with demo_server() as server:
            spec = httpx.get(f"{server.base_url}/openapi.json", timeout=30).json()
            (work / "openapi.json").write_text(json.dumps(spec))
            plan = make_plan(server, spec)
            plan_file = work / "plan.json"
            plan_file.write_text(json.dumps(plan))
            print(f"{len(plan['reads'])} read operations x {len(plan['tokens'])} principals")
            ok = report("python (openapi-python-client 0.29.1)", python_client(work, plan_file))
            ok = (
                report("typescript (openapi-typescript 7.13, strict tsc)", ts_client(work, plan))
                and ok
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
