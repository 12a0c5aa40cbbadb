"""A test-only language, for the claim "a new language is a folder under content/ plus a line in
the config": a copy of the real content/ in a temporary folder with one more strings folder,
every English string written differently (each letter a-z swapped for an accented one, the
placeholders kept), with the plural forms CLDR gives that language. Point KIOSK_CONTENT_DIR at
it (`use_content`) and the kiosk runs with it; nothing in the repository changes.

Also the cached content loaders of the kiosk, cleared when the content folder changes."""

from __future__ import annotations

import functools
import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import plurals
from kiosk.paths import content_dir

TEST_LANGUAGE = "cs"  # a code CLDR knows (one, few, many, other) and no content folder uses
TEST_LANGUAGE_NAME = "Čeština (test)"
_SWAP = str.maketrans("aceinorsuyzACEINORSUYZ", "áčéíňóřšúýžÁČÉÍŇÓŘŠÚÝŽ")
_PLACEHOLDER = re.compile(r"(\{[^{}]*\})")


def clear_content_caches() -> None:
    """Forget every cached content file of the kiosk (strings, coach files, stems, ...)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("kiosk") or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()


def pseudo(text: str) -> str:
    """`text` with its letters swapped ("Save" -> "Šávé"), placeholders as they were."""
    return "".join(part if _PLACEHOLDER.fullmatch(part) else part.translate(_SWAP)
                   for part in _PLACEHOLDER.split(text))


def _toml_value(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return repr(value).lower() if isinstance(value, bool) else repr(value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _write_table(table: dict, language: str, prefix: str, out: list[str]) -> None:
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) or "count" in v}
    for key, value in plain.items():
        if isinstance(value, dict):  # a plural table: the forms this language needs
            forms = {"count": value["count"]}
            for form in plurals.plural_forms(language):
                source = value.get(form) or value["other"]
                forms[form] = pseudo(source)
            inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in forms.items())
            out.append(f"{_key(key)} = {{ {inner} }}")
        else:
            written = pseudo(value) if isinstance(value, str) else value
            out.append(f"{_key(key)} = {_toml_value(written)}")
    for key, value in table.items():
        if isinstance(value, dict) and "count" not in value:
            name = f"{prefix}.{_key(key)}" if prefix else _key(key)
            out.append(f"\n[{name}]")
            _write_table(value, language, name, out)


def write_test_language(strings: Path, language: str = TEST_LANGUAGE,
                        name: str = TEST_LANGUAGE_NAME) -> Path:
    """content/strings/<language>/ made from the English files (see the module docstring)."""
    folder = strings / language
    folder.mkdir(parents=True, exist_ok=True)
    for file in sorted((strings / "en").glob("*.toml")):
        data = tomllib.loads(file.read_text(encoding="utf-8"))
        out: list[str] = []
        _write_table(data, language, "", out)
        text = "\n".join(out) + "\n"
        if file.stem == "common":  # its own name, as written
            text = re.sub(r'^language_name = ".*"$', f'language_name = "{name}"', text, flags=re.M)
        (folder / file.name).write_text(text, encoding="utf-8")
    letters = "".join(sorted({c for f in folder.glob("*.toml") for c in f.read_text("utf-8")
                              if c.isalpha() and not c.isascii()}))
    language_file = folder / "language.toml"
    text = language_file.read_text(encoding="utf-8")
    language_file.write_text(re.sub(r'^letters = ".*"$', f'letters = "{letters}"', text,
                                    flags=re.M), encoding="utf-8")
    return folder


def content_with_test_language(root: Path, language: str = TEST_LANGUAGE) -> Path:
    """A copy of the real content/ under `root` with the test-only language added."""
    copy = root / "content"
    shutil.copytree(content_dir(), copy)
    write_test_language(copy / "strings", language)
    return copy


@pytest.fixture
def test_language_content(tmp_path_factory, monkeypatch) -> Iterator[Path]:
    """The kiosk reads its content from a copy with the test-only language (TEST_LANGUAGE);
    every cached content file is forgotten before and after the test."""
    folder = content_with_test_language(tmp_path_factory.mktemp("content"))
    monkeypatch.setenv("KIOSK_CONTENT_DIR", str(folder))
    clear_content_caches()
    yield folder
    monkeypatch.delenv("KIOSK_CONTENT_DIR")
    clear_content_caches()


# -- a tiny Polish coach, for tests until content/coach/pl/ exists ----------------------------
TINY_POLISH_COACH = {
    "language.toml": 'stemmer = "polish"\nquestion_words = ["co", "dlaczego", "jak", "kto", '
                     '"kiedy", "gdzie", "czy", "jaki", "jaka", "jakie"]\nblocked = ["głupi"]\n'
                     'clause_words = ["bo", "ale", "kiedy", "gdy"]\n',
    "questions.toml": '''[general]
questions = [
  "Co dokładnie zobaczyłeś albo usłyszałeś?",
  "Kiedy zauważyłeś to po raz pierwszy?",
  "Co według ciebie jest przyczyną?",
  "Kto jeszcze powinien o tym wiedzieć?",
  "Jaki mały krok możesz spróbować jutro?",
]
ideas = ["Zapisuj przez tydzień, kiedy to się dzieje, i poszukaj wzoru."]

[maintenance]
questions = [
  "Od kiedy pompa traci olej?",
  "Kto z utrzymania ruchu może sprawdzić uszczelkę?",
  "Jak często ta maszyna jest smarowana?",
]
ideas = ["Zgłoś wyciek do utrzymania ruchu jeszcze dziś i połóż matę pod pompą."]
''',
    "categories.toml": '''[maintenance]
keywords = ["pompa", "olej", "wyciek", "cieknie", "uszczelka", "smar", "łożysko"]
examples = ["Pompa przy linii dwa cieknie olej, bo uszczelka jest zużyta."]
''',
    "templates.toml": "",
    "subjects.toml": "",
}


def add_tiny_polish_coach(content: Path) -> None:
    """content/coach/pl/ with a few Polish questions (prompts as in English: the model does not
    write Polish, so they are never used), and Polish UI strings if there are none."""
    coach = content / "coach" / "pl"
    if not (coach / "questions.toml").is_file():
        coach.mkdir(parents=True, exist_ok=True)
        for name, text in TINY_POLISH_COACH.items():
            (coach / name).write_text(text, encoding="utf-8")
        shutil.copy(content / "coach" / "en" / "prompts.toml", coach / "prompts.toml")
    if not (content / "strings" / "pl").is_dir():
        write_test_language(content / "strings", "pl", "Polski")


@pytest.fixture
def polish_content(tmp_path_factory, monkeypatch) -> Iterator[Path]:
    """The real content/ when it has Polish (strings and coach), else a copy with a tiny
    test-only Polish added; caches forgotten before and after."""
    real = content_dir()
    if (real / "coach" / "pl" / "questions.toml").is_file() and (real / "strings" / "pl").is_dir():
        yield real
        return
    copy = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(real, copy)
    add_tiny_polish_coach(copy)
    monkeypatch.setenv("KIOSK_CONTENT_DIR", str(copy))
    clear_content_caches()
    yield copy
    monkeypatch.delenv("KIOSK_CONTENT_DIR")
    clear_content_caches()
