"""The TypeScript program that exercises the generated types: one typed openapi-fetch call per
read operation (compiled with `strict`, so a path or parameter the document does not declare
is a compile error), run as every principal; it prints a JSON summary as its last line."""

from __future__ import annotations

import json
from typing import Any

PROLOGUE = """\
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

declare const process: { env: Record<string, string | undefined> };

type Candidate =
  | components["schemas"]["CandidateRead"]
  | components["schemas"]["CandidateSummary"];

// The union narrows on `view`: contact data exists only on the full record.
function describe(candidate: Candidate): string {
  return candidate.view === "summary"
    ? candidate.full_name
    : `${candidate.full_name} <${candidate.email ?? "no e-mail"}>`;
}

interface Outcome {
  response: Response;
  data?: unknown;
  error?: unknown;
}

const client = createClient<paths>({ baseUrl: process.env.BASE_URL ?? "" });
const tokens: Record<string, string> = JSON.parse(process.env.TOKENS ?? "{}");
const failures: { operation_id: string; principal: string; error: string }[] = [];
let calls = 0;

function check(operation: string, principal: string, outcome: Outcome): void {
  calls += 1;
  const status = outcome.response.status;
  const problem = (error: string) =>
    failures.push({ operation_id: operation, principal, error: `${status}: ${error}` });
  if (outcome.response.ok && outcome.data === undefined) problem("no body parsed");
  if (!outcome.response.ok && typeof outcome.error !== "object") problem("no problem parsed");
}

async function exercise(principal: string, token: string): Promise<void> {
  const headers = { Authorization: `Bearer ${token}` };
"""

EPILOGUE = """\
}

for (const [principal, token] of Object.entries(tokens)) {
  await exercise(principal, token);
}
console.log(JSON.stringify({ calls, failures }));
"""


def _parse_as(media: list[str]) -> str:
    if "application/json" in media:
        return "json"
    if any(m.startswith(("audio/", "video/")) for m in media):
        return "arrayBuffer"
    return "text"


def _call(read: dict[str, Any]) -> str:
    init = [f"headers, parseAs: {json.dumps(_parse_as(read['media']))}"]
    params = {k: v for k, v in (("path", read["params"]), ("query", read["query"])) if v}
    if params:
        init.insert(0, f"params: {json.dumps(params)}")
    call = f"await client.GET({json.dumps(read['path'])}, {{ {', '.join(init)} }})"
    operation = json.dumps(read["operation_id"])
    if read["operation_id"] == "candidates_get":
        return (
            f"  {{\n    const outcome = {call};\n"
            f"    if (outcome.data) describe(outcome.data);\n"
            f"    check({operation}, principal, outcome);\n  }}\n"
        )
    if read["operation_id"] == "candidates_list":
        return (
            f"  {{\n    const outcome = {call};\n"
            f"    outcome.data?.data.forEach(describe);\n"
            f"    check({operation}, principal, outcome);\n  }}\n"
        )
    return f"  check({operation}, principal, {call});\n"


def typescript_exercise(reads: list[dict[str, Any]]) -> str:
    return PROLOGUE + "".join(_call(read) for read in reads) + EPILOGUE
