"""Run schemathesis against a demo server as every principal and report the failures.

Usage (through `scripts/fuzz`, which installs schemathesis in .venv-fuzz):
    scripts/fuzz                      # every principal, SQLite, a thorough run
    scripts/fuzz --bounded            # the CI pass: under 3 minutes in all
    scripts/fuzz --bounded --backends sqlite,postgresql   # both, in the same 3 minutes
    scripts/fuzz --roles interviewer --max-examples 50
    TANDEM_FUZZ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tandem_fuzz scripts/fuzz
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from demo_server import ROLES, ROOT, DemoServer, demo_server

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,negative_data_rejection"
)
SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
# Operations that need no principal run once, without credentials; `auth_logout` is among them
# so that no pass ends the very session it fuzzes with.
ANONYMOUS_TAGS = ("Authentication", "Operations", "Public")
# The bounded pass: seconds of fuzzing per principal (shared by the backends) and its seed.
BOUNDED_SECONDS = 16
BOUNDED_SEED = 20261129
WARM_UP_SECONDS = 8


@dataclass
class PassResult:
    principal: str
    failures: dict[str, list[str]] = field(default_factory=dict)  # code+title -> operations
    errors: list[str] = field(default_factory=list)
    test_cases: int = 0
    operations: str = ""
    seconds: float = 0.0

    @property
    def failure_count(self) -> int:
        return sum(len(ops) for ops in self.failures.values())


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bounded", action="store_true", help="the short CI pass")
    parser.add_argument(
        "--roles",
        default=",".join((*ROLES, "anonymous")),
        help="comma-separated principals (default: all of %(default)s)",
    )
    parser.add_argument("--max-examples", type=int, default=None, help="cases per operation")
    parser.add_argument("--max-time", type=int, default=None, help="seconds per principal")
    # One worker: hypothesis is not thread-safe everywhere (its lambda descriptions fail at
    # random under two workers, which schemathesis reports as a "Runtime Error").
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=None, help="reproduce an earlier run")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TANDEM_FUZZ_DATABASE_URL"),
        help="PostgreSQL URL of a throwaway database (dropped and created again); "
        "default: TANDEM_FUZZ_DATABASE_URL, else SQLite in a temporary directory",
    )
    parser.add_argument(
        "--backends",
        default=None,
        help="comma-separated: sqlite, postgresql (default: postgresql with a database URL, "
        "else sqlite)",
    )
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--report-dir", type=Path, default=None, help="keep the JSON reports")
    return parser.parse_args(argv)


def command(
    server: DemoServer, principal: str, args: argparse.Namespace, report: Path
) -> list[str]:
    """The schemathesis command line for one principal."""
    cmd = [
        str(SCHEMATHESIS),
        "run",
        f"{server.base_url}/openapi.json",
        "--checks",
        CHECKS,
        "--workers",
        str(args.workers),
        "--max-examples",
        str(args.max_examples or (3 if args.bounded else 30)),
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--warnings",
        "off",
        "--no-color",
    ]
    if args.max_time or args.bounded:
        seconds = args.max_time or BOUNDED_SECONDS // len(args.backend_list)
        if not args.warm:
            # The first pass also fills schemathesis's cache (about 8 s), which every later
            # pass of the run reuses (they share a working directory).
            seconds += WARM_UP_SECONDS
            args.warm = True
        cmd += ["--max-time", str(seconds)]
    if args.bounded:
        cmd += ["--phases", "examples,coverage,fuzzing"]
    if args.seed is not None or args.bounded:
        # The bounded pass draws the same cases every time, so CI is not a lottery.
        cmd += ["--seed", str(BOUNDED_SEED if args.seed is None else args.seed)]
    tags = "|".join(ANONYMOUS_TAGS)
    if principal == "anonymous":
        cmd += ["--include-tag-regex", f"^({tags})$"]
    else:
        cmd += ["--exclude-tag-regex", f"^({tags})$"]
        header = server.headers(principal)["Authorization"]
        cmd += ["--header", f"Authorization: {header}"]
    return cmd


def run_pass(server: DemoServer, principal: str, args: argparse.Namespace, out: Path) -> PassResult:
    report = out / f"{principal}.json"
    started = time.monotonic()
    log = out / f"{principal}.log"
    with log.open("w") as stream:
        subprocess.run(
            command(server, principal, args, report),
            stdout=stream,
            stderr=subprocess.STDOUT,
            cwd=out.parent,
            check=False,
        )
    result = PassResult(principal, seconds=time.monotonic() - started)
    if not report.exists():
        result.errors.append(f"schemathesis wrote no report; see {log}")
        return result
    data = json.loads(report.read_text())
    result.test_cases = int(data["test_cases"]["generated"])
    result.operations = f"{data['operations']['tested']}/{data['operations']['selected']}"
    for failure in data.get("failures", []):
        key = f"{failure['code']} {failure['title']}"
        result.failures[key] = sorted(failure.get("operations", []))
    for error in data.get("errors", []):
        result.errors.append(json.dumps(error)[:300])
    return result


def print_summary(results: list[PassResult], backend: str) -> None:
    print(f"\nschemathesis on {backend}")
    print(f"{'principal':<16}{'operations':>11}{'cases':>8}{'failures':>10}{'errors':>8}{'s':>5}")
    for r in results:
        print(
            f"{r.principal:<16}{r.operations:>11}{r.test_cases:>8}{r.failure_count:>10}"
            f"{len(r.errors):>8}{r.seconds:>5.0f}"
        )
    for r in results:
        for key, operations in r.failures.items():
            print(f"\n[{r.principal}] {key}:")
            for operation in operations:
                print(f"    {operation}")
        for error in r.errors:
            print(f"\n[{r.principal}] error: {error}")


def fuzz_backend(
    backend: str, principals: list[str], args: argparse.Namespace, out: Path
) -> list[PassResult]:
    database_url = args.database_url if backend == "postgresql" else None
    results = []
    if args.bounded:
        # One demo organisation for every principal, the admin last: without the stateful
        # phase no pass reaches the real users and keys the next one signs in with.
        with demo_server(database_url, args.port) as server:
            for principal in sorted(principals, key=lambda p: p == "admin"):
                results.append(run_pass(server, principal, args, out / backend))
                print(f"{backend} {principal}: {results[-1].failure_count} failures", flush=True)
        return results
    for principal in principals:
        # A fresh demo organisation per principal: the stateful phase follows links to real
        # objects, so an admin's pass may deactivate the users the next pass signs in as.
        with demo_server(database_url, args.port) as server:
            results.append(run_pass(server, principal, args, out / backend))
        print(f"{backend} {principal}: {results[-1].failure_count} failures", flush=True)
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    principals = [p.strip() for p in args.roles.split(",") if p.strip()]
    unknown = set(principals) - {*ROLES, "anonymous"}
    if unknown:
        raise SystemExit(f"unknown principals: {', '.join(sorted(unknown))}")
    default = "postgresql" if args.database_url else "sqlite"
    args.backend_list = [b.strip() for b in (args.backends or default).split(",") if b.strip()]
    if set(args.backend_list) - {"sqlite", "postgresql"}:
        raise SystemExit("backends are sqlite and postgresql")
    if "postgresql" in args.backend_list and not args.database_url:
        raise SystemExit("postgresql needs TANDEM_FUZZ_DATABASE_URL or --database-url")
    failed, args.warm = False, False
    with tempfile.TemporaryDirectory(prefix="tandem-fuzz-") as tmp:
        out = (args.report_dir or Path(tmp)).resolve()
        summaries = []
        for backend in args.backend_list:
            (out / backend).mkdir(parents=True, exist_ok=True)
            results = fuzz_backend(backend, principals, args, out)
            summaries.append((backend, results))
            failed = failed or any(r.failure_count or r.errors for r in results)
        for backend, results in summaries:
            print_summary(results, backend)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
