"""Fuzzy matching of job titles to occupations: normalised words, official titles and the
shipped list of common job-ad titles, ranked with rapidfuzz."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rapidfuzz import fuzz, process

ALIASES_FILE = "title_aliases.csv"

# Words that name a level or a kind of contract, not an occupation ("Senior Backend Engineer"
# is a backend engineer). Titles are matched with and without them; the better score counts.
LEVEL_WORDS = frozenset(
    {
        "senior",
        "junior",
        "lead",
        "principal",
        "staff",
        "head",
        "associate",
        "assistant",
        "intern",
        "trainee",
        "graduate",
        "entry",
        "mid",
        "level",
        "i",
        "ii",
        "iii",
        "iv",
        "v",
        "remote",
        "contract",
        "contractor",
        "freelance",
        "temporary",
        "temp",
        "part",
        "time",
        "full",
        "interim",
    }
)
STOP_WORDS = frozenset({"and", "of", "the", "all", "other", "or", "a", "an", "in", "for", "to"})
ABBREVIATIONS = {
    "sr": "senior",
    "snr": "senior",
    "jr": "junior",
    "jnr": "junior",
    "eng": "engineer",
    "engr": "engineer",
    "dev": "developer",
    "devs": "developer",
    "mgr": "manager",
    "swe": "software engineer",
    "sde": "software engineer",
    "rn": "registered nurse",
    "lpn": "licensed practical nurse",
    "np": "nurse practitioner",
    "vp": "vice president",
    "qa": "quality assurance",
    "hr": "human resources",
    "ae": "account executive",
    "sdr": "sales development representative",
    "bdr": "business development representative",
    "csm": "customer success manager",
    "pm": "product manager",
    "ux": "ux",
    "ml": "machine learning",
    "ai": "machine learning",
    "sre": "site reliability engineer",
    "gp": "general practitioner",
    "backend": "back end",
    "frontend": "front end",
    "fullstack": "full stack",
}
# Titles list occupations in the plural ("Software Developers"); people write the singular.
_IRREGULAR = {"women": "woman", "men": "man", "children": "child"}
_KEEP = frozenset(
    {
        "sales",
        "series",
        "analysis",
        "business",
        "physics",
        "economics",
        "news",
        "process",
        "class",
        "glass",
        "press",
        "gas",
        "bus",
        "lens",
        "status",
    }
)


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _KEEP or len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-case words with abbreviations spelled out, plurals made singular, filler dropped."""
    out: list[str] = []
    for word in re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ")):
        expansion = ABBREVIATIONS.get(word, word)
        for part in expansion.split():
            if part not in STOP_WORDS:
                out.append(_singular(part))
    return out


def variants(title: str) -> list[str]:
    """The normalised title, and (when it differs and leaves something) without level words."""
    full = words(title)
    core = [w for w in full if w not in LEVEL_WORDS]
    found = [" ".join(full)]
    if core and core != full:
        found.append(" ".join(core))
    return [v for v in found if v]


@dataclass(frozen=True, slots=True)
class Occupation:
    soc_code: str
    title: str
    soc_level: str
    employment: int | None


@dataclass(frozen=True, slots=True)
class Match:
    occupation: Occupation
    score: float
    matched: str  # the official title or common title that matched


LEVEL_RANK = {"detailed": 0, "broad": 1, "minor": 2, "major": 3, "total": 4}


@cache
def common_titles() -> tuple[tuple[str, str], ...]:
    """The shipped (common job-ad title, SOC code) pairs."""
    text = resources.files("app.data").joinpath("market", ALIASES_FILE).read_text("utf-8")
    return tuple((r["title"], r["soc_code"]) for r in csv.DictReader(io.StringIO(text)))


class TitleIndex:
    """The occupations of one dataset, ready to match titles against (built once per dataset:
    a dataset's rows never change)."""

    def __init__(self, occupations: Iterable[Occupation]) -> None:
        self.occupations = {o.soc_code: o for o in occupations}
        choices: list[str] = []
        owners: list[tuple[str, str]] = []  # (soc_code, what matched)
        for occupation in self.occupations.values():
            choices.append(" ".join(words(occupation.title)))
            owners.append((occupation.soc_code, occupation.title))
        for title, soc_code in common_titles():
            if soc_code in self.occupations:
                choices.append(" ".join(words(title)))
                owners.append((soc_code, title))
        self._choices = choices
        self._owners = owners

    def rank(self, query: str, *, cutoff: float = 60.0) -> list[Match]:
        """Occupations whose title (or a common title for them) matches `query`, best first;
        ties go to the most detailed level, then to the larger occupation.

        The same words in any order score fully (token sort); a query whose words are all in a
        longer title ("nurse" in "registered nurse") scores 90 % of its token-set score, so an
        equal title wins over a containing one."""
        best: dict[str, tuple[float, str]] = {}
        for variant in variants(query):
            for scorer, weight in ((fuzz.token_sort_ratio, 1.0), (fuzz.token_set_ratio, 0.9)):
                for _choice, raw, index in process.extract(
                    variant,
                    self._choices,
                    scorer=scorer,
                    processor=None,
                    limit=None,
                    score_cutoff=min(100.0, cutoff / weight),
                ):
                    score = raw * weight
                    soc_code, matched = self._owners[index]
                    if score > best.get(soc_code, (-1.0, ""))[0]:
                        best[soc_code] = (score, matched)
        matches = [
            Match(self.occupations[code], round(score, 1), matched)
            for code, (score, matched) in best.items()
        ]
        matches.sort(
            key=lambda m: (
                -m.score,
                LEVEL_RANK.get(m.occupation.soc_level, 5),
                -(m.occupation.employment or 0),
                m.occupation.soc_code,
            )
        )
        return matches


def rank_titles(index: TitleIndex, query: str, limit: int) -> Sequence[Match]:
    """The best `limit` matches."""
    return index.rank(query)[:limit]
