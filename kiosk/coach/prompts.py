"""Few-shot completion prompts from content/coach/<lang>/prompts.toml, and parsing of the answer.

The prompt is `prefix + suffix`: the prefix (system text + worked examples) never changes, so the
engine evaluates it once and reuses it; only the suffix (the worker's text and the opening of the
answer) varies, and it is always at the end. The answer format is plain labelled lines
("Title: ...", "Question: ...", "Idea: ..."), parsed here and checked by the quality gate.

The same file holds the weekly digest's prompt (`[digest]`): a plain completion that turns a
station's counted theme words into one sentence (`PromptSet.digest(themes)`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kiosk.coach.text import load_toml

# Chat templates by registry `prompt_style`. {0} is the message text.
STYLES: dict[str, dict[str, str]] = {
    "chatml": {
        "begin": "",
        "system": "<|im_start|>system\n{0}<|im_end|>\n",
        "user": "<|im_start|>user\n{0}<|im_end|>\n",
        "assistant": "<|im_start|>assistant\n{0}<|im_end|>\n",
        "open": "<|im_start|>assistant\n",
        "stop": "<|im_end|>|<|im_start|>",
    },
    "gemma": {  # no system role: the system text opens the first user turn
        "begin": "",
        "system": "<start_of_turn>user\n{0}<end_of_turn>\n<start_of_turn>model\nOK.<end_of_turn>\n",
        "user": "<start_of_turn>user\n{0}<end_of_turn>\n",
        "assistant": "<start_of_turn>model\n{0}<end_of_turn>\n",
        "open": "<start_of_turn>model\n",
        "stop": "<end_of_turn>|<start_of_turn>",
    },
    "llama3": {
        "begin": "<|begin_of_text|>",
        "system": "<|start_header_id|>system<|end_header_id|>\n\n{0}<|eot_id|>",
        "user": "<|start_header_id|>user<|end_header_id|>\n\n{0}<|eot_id|>",
        "assistant": "<|start_header_id|>assistant<|end_header_id|>\n\n{0}<|eot_id|>",
        "open": "<|start_header_id|>assistant<|end_header_id|>\n\n",
        "stop": "<|eot_id|>|<|start_header_id|>",
    },
    "plain": {  # base models: a document of labelled examples
        "begin": "",
        "system": "{0}\n\n",
        "user": "{text_label}: {0}\n",
        "assistant": "{0}\n\n",
        "open": "",
        "stop": "\n\n",
    },
}

KINDS = ("title", "question", "idea")
MAX_QUESTIONS = 3


@dataclass(frozen=True)
class Example:
    text: str
    title: str
    questions: tuple[str, ...]
    idea: str


@dataclass(frozen=True)
class Prompt:
    """A built prompt. `lead` is the start of the answer already in the prompt ("Title:"), so the
    raw answer is `lead + generated text`."""

    prefix: str
    suffix: str
    lead: str
    stop: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.prefix + self.suffix


@dataclass
class Parsed:
    title: str = ""
    questions: list[str] = field(default_factory=list)
    idea: str = ""
    complete: bool = False  # the idea line was finished: nothing more is needed
    ignored: list[str] = field(default_factory=list)  # lines with an unknown label or none


@dataclass(frozen=True)
class PromptSet:
    language: str
    system: str
    labels: dict[str, str]
    examples: tuple[Example, ...]
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    max_input_chars: int = 700
    order: tuple[str, ...] = KINDS  # order of the answer lines; the first one is the lead
    digest_template: str = ""  # the weekly digest's prompt, with a {themes} slot

    def answer(self, example: Example) -> str:
        lines = []
        for kind in self.order:
            values = example.questions if kind == "question" else \
                [example.title if kind == "title" else example.idea]
            lines += [f"{self.labels[kind]}: {value}" for value in values]
        return "\n".join(lines)

    def prefix(self, style: str = "chatml") -> str:
        tpl = _template(style, self.labels["text"])
        parts = [tpl["begin"], tpl["system"].format(self.system)]
        for example in self.examples:
            parts.append(tpl["user"].format(example.text))
            parts.append(tpl["assistant"].format(self.answer(example)))
        return "".join(parts)

    def build(self, text: str, style: str = "chatml") -> Prompt:
        tpl = _template(style, self.labels["text"])
        lead = f"{self.labels[self.order[0]]}:"
        suffix = tpl["user"].format(clip(text, self.max_input_chars)) + tpl["open"] + lead
        return Prompt(self.prefix(style), suffix, lead, tuple(tpl["stop"].split("|")))

    def digest(self, themes: Sequence[str]) -> str:
        """The weekly digest's prompt for a station's theme words (only counted words go in, never
        entry text); the model's answer is one line."""
        return self.digest_template.replace("{themes}", ", ".join(themes))

    def example_outputs(self) -> list[str]:
        """Every answer line of the examples (the gate rejects copies of them)."""
        out = []
        for example in self.examples:
            out += [example.title, *example.questions, example.idea]
        return out

    # -- parsing ----------------------------------------------------------------------------
    def parse(self, raw: str) -> Parsed:
        """Read labelled lines from the raw answer (including the lead), in any order. Reading
        stops when a second answer starts (a kind repeats beyond its count)."""
        by_label = {self.labels[k].lower(): k for k in KINDS}
        by_label.update({k: k for k in KINDS})  # English labels are understood everywhere
        parsed = Parsed()
        lines = raw.split("\n")
        for i, line in enumerate(lines):
            finished = i < len(lines) - 1
            match = _LABEL_RE.match(line.strip())
            kind = by_label.get(" ".join(match.group(1).lower().split())) if match else None
            if kind is None:
                if line.strip():
                    parsed.ignored.append(line.strip())
                    if finished and parsed.questions:  # off the format ("Answer: ..."): stop
                        parsed.complete = True
                        break
                continue
            value = match.group(2).strip()
            if (kind == "title" and parsed.title) or (kind == "idea" and parsed.idea) or \
                    (kind == "question" and len(parsed.questions) >= MAX_QUESTIONS):
                parsed.complete = True
                break
            if kind == "title":
                parsed.title = value
            elif kind == "question":
                parsed.questions.append(value)
            else:
                parsed.idea = value
            if finished and parsed.title and parsed.questions and parsed.idea:
                parsed.complete = True
                break
        return parsed


_LABEL_RE = re.compile(r"^[-*\d.)\s]*([^\W\d_]+(?: [^\W\d_]+){0,2})\s*:\s*(.*)$")


def _template(style: str, text_label: str) -> dict[str, str]:
    if style not in STYLES:
        raise ValueError(f"unknown prompt style {style!r} (known: {', '.join(STYLES)})")
    return {k: v.replace("{text_label}", text_label) for k, v in STYLES[style].items()}


def clip(text: str, limit: int) -> str:
    """The text cut at a word boundary to at most `limit` characters, whitespace tidied."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " ..."


@lru_cache(maxsize=8)
def prompt_set(language: str, folder: Path | None = None) -> PromptSet:
    data = load_toml(language, "prompts", folder)
    labels = data.get("labels", {})
    missing = [k for k in ("text", *KINDS) if not labels.get(k)]
    if missing:
        raise ValueError(f"prompts.toml ({language}): [labels] needs {', '.join(missing)}")
    examples = tuple(
        Example(text=e["text"], title=e["title"], questions=tuple(e["questions"]), idea=e["idea"])
        for e in data.get("examples", []))
    gen = data.get("generation", {})
    order = tuple(data.get("order", KINDS))
    if sorted(order) != sorted(KINDS):
        raise ValueError(f"prompts.toml ({language}): order must list {', '.join(KINDS)} once")
    digest = data.get("digest", {}).get("prompt", "")
    if "{themes}" not in digest:
        raise ValueError(f"prompts.toml ({language}): [digest] prompt needs a {{themes}} slot")
    return PromptSet(language=language, system=data["system"].strip(), labels=dict(labels),
                     examples=examples, temperature=float(gen.get("temperature", 0.0)),
                     repeat_penalty=float(gen.get("repeat_penalty", 1.1)),
                     max_input_chars=int(gen.get("max_input_chars", 700)), order=order,
                     digest_template=digest)
