"""Run by the clients' own Python (.venv-clients): call every planned read through the client
that openapi-python-client generated, as every principal, and report what failed to parse.

Usage: python client_python.py <client package dir> <plan.json> <result.json>
"""

from __future__ import annotations

import importlib
import json
import keyword
import pkgutil
import sys
import traceback
from pathlib import Path
from typing import Any


def _modules(package: str) -> dict[str, Any]:
    """Operation id -> the generated module of that operation."""
    api = importlib.import_module(f"{package}.api")
    out = {}
    for tag in pkgutil.iter_modules(api.__path__):
        tag_package = importlib.import_module(f"{package}.api.{tag.name}")
        for module in pkgutil.iter_modules(tag_package.__path__):
            out[module.name] = importlib.import_module(f"{package}.api.{tag.name}.{module.name}")
    return out


def _python_names(query: dict[str, Any]) -> dict[str, Any]:
    """The generated functions' argument names: a keyword gets a trailing underscore."""
    return {f"{k}_" if keyword.iskeyword(k) else k: v for k, v in query.items()}


def main(client_dir: str, plan_file: str, result_file: str) -> int:
    sys.path.insert(0, str(Path(client_dir).parent))
    package = Path(client_dir).name
    client_module = importlib.import_module(f"{package}.client")
    plan = json.loads(Path(plan_file).read_text())
    modules = _modules(package)
    calls, failures = 0, []
    for principal, token in plan["tokens"].items():
        client = client_module.AuthenticatedClient(base_url=plan["base_url"], token=token)
        for read in plan["reads"]:
            if "application/json" not in read["media"] and "format" in read["query"]:
                # The generated function parses JSON for an operation that also answers JSON
                # (docs/api-contract.md): text variants are read with plain HTTP.
                continue
            calls += 1
            try:
                arguments = {**read["params"], **_python_names(read["query"])}
                operation = modules[read["operation_id"]]
                response = operation.sync_detailed(client=client, **arguments)
            except Exception:  # every failure to parse is what we report
                failures.append(
                    {
                        "operation_id": read["operation_id"],
                        "principal": principal,
                        "error": traceback.format_exc(limit=2)[-600:],
                    }
                )
                continue
            if 200 <= response.status_code < 300 and response.parsed is None:
                failures.append(
                    {
                        "operation_id": read["operation_id"],
                        "principal": principal,
                        "error": f"{response.status_code} with nothing parsed",
                    }
                )
    Path(result_file).write_text(json.dumps({"calls": calls, "failures": failures}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
