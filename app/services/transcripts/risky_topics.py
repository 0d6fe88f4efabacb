"""The curated list of risky interview topics: questions an interviewer should not ask because
the answers touch characteristics that hiring decisions may not rest on (US federal and state
law, the UK Equality Act, EU equal-treatment rules). docs/transcripts.md prints this list; a
test checks that the two agree.

Each phrase is a regular expression matched (case-insensitive, on word boundaries) against what
interviewers said, one sentence at a time. Phrases name the question, not the topic alone: a
candidate mentioning their children is not flagged, an interviewer asking about them is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES: dict[str, tuple[str, ...]] = {
    "age": (
        r"how old are you",
        r"what(?:'s| is) your age",
        r"(?:what|which) year were you born",
        r"when were you born",
        r"your date of birth",
        r"when did you graduate from (?:high )?school",
        r"how (?:many|much) years? (?:until|before) (?:you )?retire",
        r"plans? to retire",
        r"too old",
        r"(?:are|feel) you (?:too )?young for",
    ),
    "family_status": (
        r"are you married",
        r"(?:your|a) (?:husband|wife|spouse|partner) (?:do|work)",
        r"do you have (?:any )?(?:kids|children)",
        r"how many (?:kids|children)",
        r"plan(?:s|ning)? (?:on|to) (?:have|having|start(?:ing)?) (?:a family|kids|children)",
        r"who (?:looks after|takes care of|watches) (?:your )?(?:kids|children)",
        r"(?:childcare|child care) (?:arrangements|situation)",
        r"are you (?:single|divorced)",
        r"marital status",
        r"maiden name",
    ),
    "pregnancy": (
        r"are you pregnant",
        r"(?:planning|plan|want) (?:on|to)? ?(?:get(?:ting)?|become|becoming) pregnant",
        r"maternity leave",
        r"expecting a (?:baby|child)",
        r"due date",
    ),
    "religion": (
        r"(?:what|which) (?:is your )?religion",
        r"are you (?:religious|christian|muslim|jewish|hindu|catholic|buddhist)",
        r"(?:go|attend) (?:to )?(?:church|mosque|synagogue|temple)",
        r"religious (?:holidays|beliefs|practice)",
        r"do you pray",
        r"observe (?:the )?sabbath",
    ),
    "national_origin": (
        r"where are you (?:really |originally )?from",
        r"where were you born",
        r"what(?:'s| is) your (?:nationality|ethnicity|heritage|native language|mother tongue)",
        r"is english your (?:first|native) language",
        r"where (?:are|were) your parents from",
        r"that accent",
        r"are you a (?:us |u\.s\. )?citizen",
    ),
    "race": (
        r"what(?:'s| is) your (?:race|ethnic background)",
        r"what race are you",
        r"(?:colou?r of|your) skin",
    ),
    "disability_health": (
        r"do you have (?:any |a )?(?:disabilit(?:y|ies)|health (?:problems|issues|conditions))",
        r"do you have (?:any |a )?(?:medical|chronic) (?:conditions?|illness(?:es)?)",
        r"are you disabled",
        r"(?:how many|any) sick days",
        r"(?:ever|been) (?:hospitali[sz]ed|treated for)",
        r"(?:take|taking|on) any (?:medications?|medicine)",
        r"mental health (?:history|issues|problems)",
        r"(?:what|how) (?:happened to|is) your (?:leg|arm|back|hearing|eyesight)",
        r"workers'? comp(?:ensation)? claim",
    ),
    "sexual_orientation": (
        r"are you (?:gay|lesbian|straight|bisexual|heterosexual|homosexual)",
        r"(?:your )?sexual orientation",
        r"do you have a (?:boyfriend|girlfriend)",
    ),
    "salary_history": (
        r"what (?:is|was) your (?:current|last|previous) (?:salary|pay|compensation|base)",
        r"how much (?:do|did) you (?:currently )?(?:make|earn|get paid)",
        r"(?:current|previous|past) (?:salary|compensation|pay) (?:history|details)",
        r"salary history",
        r"what (?:are|were) you (?:making|earning|paid)",
    ),
    "union_membership": (
        r"(?:are|were) you (?:in|a member of) a (?:trade )?union",
        r"union (?:member|membership|activit(?:y|ies))",
        r"(?:join|joined|support) (?:a |the )?(?:trade )?union",
    ),
}


@dataclass(frozen=True, slots=True)
class RiskyMatch:
    category: str
    phrase: str  # the list entry that matched
    matched: str  # the words it matched


_COMPILED = {
    category: [(phrase, re.compile(rf"\b{phrase}\b", re.IGNORECASE)) for phrase in phrases]
    for category, phrases in CATEGORIES.items()
}
# One alternation per category screens a sentence with a single search; the phrase that
# matched is looked up only for the (rare) sentences that hit.
_SCREENS = {
    category: re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in phrases) + r")\b", re.IGNORECASE)
    for category, phrases in CATEGORIES.items()
}


def find_risky(sentence: str, *, salary_history: bool = True) -> list[RiskyMatch]:
    """Every category the sentence touches (one match per category)."""
    found = []
    for category, screen in _SCREENS.items():
        if (category == "salary_history" and not salary_history) or not screen.search(sentence):
            continue
        for phrase, pattern in _COMPILED[category]:
            match = pattern.search(sentence)
            if match:
                found.append(RiskyMatch(category, phrase, match.group(0)))
                break
    return found
