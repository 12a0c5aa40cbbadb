"""What the coach offered for a text, and why: as lines of text or as one JSON-ready dict.

Used by `kiosk suggest`: each suggestion with its source, the model's timing, the category
scores, related earlier entries and the model output the quality gate turned down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.coach.classify import Related
    from kiosk.coach.engine import Status
    from kiosk.coach.suggest import Suggestions


def suggestion_data(result: Suggestions, status: Status, model_name: str | None,
                    found: Sequence[Related], note: str) -> dict[str, Any]:
    """Everything about one suggestion, with the coach's state and the related entries."""
    data = result.to_dict()
    data["coach"] = {"state": status.state, "reason": status.message, "model": model_name}
    data["related"] = [{"id": r.entry.id, "score": r.score, "shared": list(r.shared),
                        "headline": r.entry.headline, "category": r.entry.category}
                       for r in found]
    data["related_note"] = note
    return data


def suggestion_lines(result: Suggestions, status: Status, found: Sequence[Related],
                     note: str) -> list[str]:
    """The same as text, one fact a line, each suggestion followed by its [source]."""
    coach_line = status.state + (f": {status.message}" if status.message else "")
    lines = [f"coach: {coach_line}"]
    if result.model:
        first = f"{result.first_token_s:.2f}s" if result.first_token_s is not None else "-"
        lines.append(f"model: {result.model}, {result.tokens} tokens, first token {first}, "
                     f"{result.seconds:.2f}s, stopped: {result.stop_reason}")
    elif result.stop_reason:
        lines.append(f"model not asked: {result.stop_reason}")
    guess = result.category
    scores = ", ".join(f"{c} {s:.2f}" for c, s in sorted(guess.scores.items(),
                                                           key=lambda p: -p[1]) if s > 0)
    lines.append(f"category: {guess.category}{'' if guess.confident else ' (not sure)'}  "
                 f"[classifier]  scores: {scores or 'no evidence'}")
    lines.append(f"title:    {result.title.text}  [{result.title.source}]")
    if result.own_title is not None:
        lines.append(f"          {result.own_title.text}  [{result.own_title.source}]")
    for i, question in enumerate(result.questions, 1):
        lines.append(f"question {i}: {question.text}  [{question.source}]")
    lines.append(f"idea:     {result.idea.text}  [{result.idea.source}]")
    if found:
        lines.append("related entries:")
        for r in found:
            lines.append(f"   {r.entry.id}  {r.entry.category:<11} {r.entry.headline[:60]}  "
                         f"(score {r.score:.1f}; shared: {', '.join(r.shared[:5])})")
    else:
        lines.append("related entries: none")
    lines.append(f"   ({note})")
    if result.rejected:
        lines.append("rejected model output (quality gate):")
        for r in result.rejected:
            detail = f" ({r.detail})" if r.detail else ""
            lines.append(f"   {r.kind}: {r.text!r} -> {r.reason}{detail}")
    return lines
