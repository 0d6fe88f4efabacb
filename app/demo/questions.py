"""The demo organisation's competency library: rubrics, what to listen for, and interview
questions as an experienced interviewer would ask them aloud."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    category: str
    description: str
    rubric: dict[str, str]
    listen_for: str


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    follow_ups: tuple[str, ...]
    good: str


LIBRARY: dict[str, Entry] = {
    "System design": Entry(
        "Technical",
        "Designs systems that fit the problem, and explains the trade-offs.",
        {
            "1": "Draws boxes without asking what the system must do; cannot say why one "
            "choice beats another.",
            "2": "A workable design copied from a familiar system; trade-offs only when prompted, "
            "and failure cases missed.",
            "3": "Asks about load and failure first, reaches a sound design and names what it "
            "costs; adapts when a constraint changes.",
            "4": "Shapes the problem before solving it, compares two designs with rough numbers, "
            "and plans how to operate, migrate and observe the result.",
        },
        "Questions about volume, data size and what happens on failure before any design "
        "appears; trade-offs stated as costs, not only benefits; a design that changes when a "
        "constraint changes instead of being defended.",
    ),
    "Code quality": Entry(
        "Technical",
        "Writes code others can read, test and change.",
        {
            "1": "Sees no problem in code that is hard to follow; no tests, or tests added last.",
            "2": "Knows the vocabulary of clean code but gives general answers; testing is "
            "something others insist on.",
            "3": "Tests behaviour before changing it, spots the risky edge cases, names and "
            "splits code for the next reader.",
            "4": "Improves the team's habits too: review practices, test strategy, the "
            "refactoring that made a whole area easier to change.",
        },
        "Tests written before the change; edge cases named without prompting (rounding, "
        "empty input, time zones); naming and splitting argued from the reader's point of "
        "view; review feedback treated as information rather than an attack.",
    ),
    "Ownership": Entry(
        "Behaviour",
        "Takes problems to the end, including the unglamorous parts.",
        {
            "1": "Problems were always someone else's; vague about what they did personally.",
            "2": "Did their assigned part well but stopped at the edge of the ticket.",
            "3": "Picked up a problem nobody owned, kept people informed, and finished it with "
            "the follow-up work (tests, alerts, documentation).",
            "4": "Does this repeatedly and across team lines, and changes the process so the "
            "problem does not come back.",
        },
        'Clear "I" for what they did and "we" for the team; the follow-through after the fix '
        "(a test, an alert, a runbook); plain admissions of what went wrong, without blaming "
        "others.",
    ),
    "Collaboration": Entry(
        "Behaviour",
        "Makes the people around them better.",
        {
            "1": "Describes colleagues as obstacles; disagreements are won or avoided.",
            "2": "Works well with people who agree; support for others is occasional.",
            "3": "Represents the other side of a disagreement fairly, settles it on evidence, "
            "and commits once it is decided; helps colleagues in concrete ways.",
            "4": "Others seek them out; they build the team's ways of deciding and teach "
            "others to disagree well.",
        },
        "The other person's view explained fairly, even when they lost the argument; concrete "
        "help given (pairing, reviews, unblocking) with an effect someone could observe; "
        "disagreement before the decision and commitment after it.",
    ),
    "Discovery": Entry(
        "Sales",
        "Finds out what the customer actually needs before pitching.",
        {
            "1": "Pitches within the first minutes; questions are closed or leading.",
            "2": "Asks open questions from a script but does not follow the answers.",
            "3": "Uncovers the problem, what it costs the customer and who decides, and "
            "summarises it back before proposing anything.",
            "4": "Helps the customer see a problem they had not put a number on, and qualifies "
            "out early when the fit is poor.",
        },
        "Open questions that get the customer talking about cost, impact and who decides; "
        "silences left for the customer to fill; a summary of what was heard before any "
        "proposal; willingness to say we are not the right fit.",
    ),
    "Negotiation": Entry(
        "Sales",
        "Closes on terms that work for both sides.",
        {
            "1": "Concedes on price at the first push, or stonewalls.",
            "2": "Holds the price but cannot find what else to trade.",
            "3": "Explores the interest behind the demand and trades every concession for "
            "something of value (term, volume, a reference).",
            "4": "Prepares a walk-away point and alternatives, and leaves the customer feeling "
            "they got a good deal without giving one away.",
        },
        "Every concession traded for something (a longer term, more volume, a reference), "
        "never given away; the interest behind the customer's position uncovered; a "
        "walk-away point they knew before the call.",
    ),
    "Customer empathy": Entry(
        "Customer",
        "Understands the customer's situation and acts on it.",
        {
            "1": "Talks about customers as tickets or as difficult people.",
            "2": "Polite and responsive, but stops at the script.",
            "3": "Describes the customer's situation in their terms and fixes the cause, not "
            "only the ticket.",
            "4": "Carries what customers experience into product and process changes, with "
            "evidence, and follows up until it lands.",
        },
        "The customer's situation described in the customer's words rather than the "
        "company's; action on the cause as well as the ticket; a follow-up after the problem "
        "was solved.",
    ),
    "Communication": Entry(
        "General",
        "Explains clearly, listens, adapts to the audience.",
        {
            "1": "Long, unstructured answers that miss the question.",
            "2": "Clear on familiar ground, but does not notice when the listener is lost.",
            "3": "Short, structured answers that fit the question; checks understanding and "
            "adjusts the level of detail.",
            "4": "Makes a complex subject simple for any audience, and draws out the other "
            "person's view as well.",
        },
        "A short, concrete answer to the question actually asked; the level of detail "
        "adjusted when the listener asks or looks lost; a check that they understood the "
        "question before answering it.",
    ),
}

QUESTIONS: dict[str, tuple[Question, ...]] = {
    "System design": (
        Question(
            "Walk me through the architecture of a system you know well. Where does a request "
            "go from the moment it arrives, and which part would break first at ten times "
            "the traffic?",
            (
                "How did you find out where the limits were: load tests, incidents, or a guess?",
                "What would you change if you built it again today?",
            ),
            "Draws the real data flow, names the bottleneck with rough numbers, and keeps "
            "what they built apart from what they inherited.",
        ),
        Question(
            "Let's design a payout service together: merchants are paid once a day, in their "
            "own currency, and no payout may ever be sent twice. Where do you start?",
            (
                "What happens when the bank's API times out halfway through a batch?",
                "How would you know the next morning that every merchant was paid exactly once?",
            ),
            "Asks about volumes and failure modes before drawing boxes, arrives at "
            "idempotency keys or a ledger on their own, and weighs consistency against "
            "simplicity out loud.",
        ),
    ),
    "Code quality": (
        Question(
            "Think of a pull request of yours that drew a lot of review comments. What were "
            "they about, and what changed in how you write code afterwards?",
            (
                "Which comment did you disagree with, and how did that conversation end?",
                "What do you check now before you ask for a review?",
            ),
            "A concrete pull request, the substance of the feedback, and a habit that "
            "changed because of it.",
        ),
        Question(
            "I'll share a short function that calculates refund fees. Talk me through what "
            "you would test before touching it, and what you would rename or split.",
            (
                "Which test would catch a rounding error on a three-decimal currency?",
                "When would you leave this code exactly as it is?",
            ),
            "Pins the current behaviour with tests first, finds the rounding and currency "
            "edge cases, and knows when a refactor is not worth it.",
        ),
    ),
    "Ownership": (
        Question(
            "Tell me about something that broke in production on your watch. What did you "
            "do in the first hour, and what did you do in the weeks after?",
            (
                "Who did you keep informed while it was happening, and how?",
                "What did the post-incident review change?",
            ),
            "Acted before being asked, communicated while fixing, and followed through on "
            "the unglamorous part: alerts, runbooks, tests.",
        ),
        Question(
            "Describe a problem in your last team that nobody owned. How did it get solved, "
            "or why is it still there?",
            (
                "What did you stop doing to make time for it?",
                "How did you get other people to care about it?",
            ),
            "Saw the gap, took it on or made sure someone did, and is honest about the parts "
            "that did not work.",
        ),
    ),
    "Collaboration": (
        Question(
            "Tell me about a time you and a colleague strongly disagreed about how to build "
            "something. How was it decided?",
            (
                "What was the strongest point in their argument?",
                "If it went their way, what did you do next?",
            ),
            "Describes the other side fairly, settled it with data or an agreed decider, and "
            "committed once it was decided.",
        ),
        Question(
            "Who on your last team became better at their job because you were there, and "
            "what did you actually do for them?",
            (
                "How did you know it helped?",
                "What did you learn from them in return?",
            ),
            "A named kind of help (pairing, reviews, unblocking, an introduction) and an "
            "effect someone could see.",
        ),
    ),
    "Discovery": (
        Question(
            "You're on a first call with the head of operations at an online shop whose "
            "refunds take two weeks to reach customers. Take the first ten minutes: what do "
            "you want to learn before you say anything about our product?",
            (
                "What would you write in the CRM after this call?",
                "Who else would you want on the next call, and why?",
            ),
            "Open questions, silences used, the cost of the problem put into numbers, and the "
            "decision process and budget uncovered.",
        ),
        Question(
            "Tell me about a deal you walked away from, or should have, because the customer's "
            "need did not match what you were selling.",
            (
                "What were the first signs that it was a poor fit?",
                "How did you explain the decision to your manager?",
            ),
            "Qualifies out honestly and recognises the early signals of a poor fit.",
        ),
    ),
    "Negotiation": (
        Question(
            "I'm the customer now: \"Your competitor is twenty percent cheaper. Match it and we "
            'sign today." Carry on the conversation from there.',
            (
                "What would you ask for in return for a discount?",
                "At what point would you walk away?",
            ),
            "Does not concede at once, explores what is behind the price, and trades any "
            "concession for term, volume or a reference.",
        ),
        Question(
            "Tell me about the hardest renewal or contract you have closed. What did each side "
            "give up to get there?",
            (
                "How did you prepare for it?",
                "Was the customer still happy with the deal a year later?",
            ),
            "Preparation, a known walk-away point, and both sides better off afterwards.",
        ),
    ),
    "Customer empathy": (
        Question(
            "Tell me about a customer who was angry with your company. What was really going "
            "on for them, and what did you change because of it?",
            (
                "What did you do that was not in the script?",
                "How did you follow up once it was resolved?",
            ),
            "Describes the customer's situation in their terms and fixed the cause, not only "
            "the ticket.",
        ),
        Question(
            "Which piece of customer feedback changed a product or a process in your last "
            "job, and how did it get from the customer to the people who could fix it?",
            (
                "What did you do when the team first said no?",
                "How did you tell the customer it had changed?",
            ),
            "Carried the feedback to the right people with evidence, and persisted without drama.",
        ),
    ),
    "Communication": (
        Question(
            "In two minutes, tell me what you work on now, the way you would explain it to a "
            "friend who doesn't work in tech.",
            (
                "Which part of that work do you enjoy most?",
                "What would you like to do less of?",
            ),
            "Short and clear, free of jargon, and adjusted when interrupted.",
        ),
        Question(
            "What are you looking for in your next role that you don't have today, and what "
            "would make you turn an offer down?",
            (
                "When could you start, and what notice period do you have?",
                "What would you like to know about us so far?",
            ),
            "Specific reasons that do or honestly do not match the role, without rehearsed "
            "buzzwords.",
        ),
    ),
}
