"""The package's layers, checked from the source and in fresh interpreters:

- no module outside `kiosk.ui` (Textual) and the command line (`kiosk.cli*`, argparse) loads
  `textual`, `argparse` or `llama_cpp` when imported: the store, config, coach, sync, review and
  ops modules serve the UI, the CLI, systemd timers and the benchmarks alike, and llama.cpp is
  loaded only when a model is;
- no import cycle between kiosk modules;
- no source file over 450 lines, except frozen data.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import kiosk

PACKAGE_DIR = Path(kiosk.__file__).parent
ROOT = PACKAGE_DIR.parent
FORBIDDEN = ("textual", "argparse", "llama_cpp")
MAX_LINES = 450
FROZEN_DATA = {"kiosk/sync/zdict_words.py"}  # the sync dictionary: part of the protocol


def walked_modules() -> list[str]:
    """Every kiosk module but the UI and the command line (`python -m kiosk` is the CLI)."""
    names = [info.name for info in pkgutil.walk_packages(kiosk.__path__, "kiosk.")]
    return sorted(["kiosk", *(name for name in names
                              if not name.startswith(("kiosk.ui.", "kiosk.cli"))
                              and name not in ("kiosk.ui", "kiosk.__main__"))])


# Imports each module in its own fork of one fresh interpreter (fast, and nothing one module
# loads is blamed on the next) and prints which of the forbidden modules were loaded.
FORKED_IMPORTS = r"""
import json, os, sys
forbidden, names = json.loads(sys.argv[1]), json.loads(sys.argv[2])
found = {}
for name in names:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(name)
            report = sorted({m.split(".")[0] for m in sys.modules} & set(forbidden))
        except BaseException as exc:
            report = f"import failed: {type(exc).__name__}: {exc}"
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        found[name] = json.loads(pipe.read() or '"no report"')
    os.waitpid(pid, 0)
print(json.dumps(found))
"""


def loaded_by(names: list[str]) -> dict[str, list[str] | str]:
    """For each module: the forbidden modules its import loaded (or why it did not import)."""
    result = subprocess.run([sys.executable, "-c", FORKED_IMPORTS, json.dumps(FORBIDDEN),
                             json.dumps(names)], capture_output=True, text=True, timeout=300,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_modules_outside_the_ui_and_the_cli_load_neither_textual_argparse_nor_llama_cpp():
    modules = walked_modules()
    assert {"kiosk.store", "kiosk.config", "kiosk.coach.suggest", "kiosk.sync.codec",
            "kiosk.review.queue", "kiosk.ops.doctor"} <= set(modules)
    # The check can fail: the UI loads textual, the command line argparse.
    controls = {"kiosk.ui.app": "textual", "kiosk.cli": "argparse"}
    found = loaded_by([*modules, *controls])
    for control, expected in controls.items():
        assert expected in found.pop(control), found
    assert found.keys() == set(modules)
    wrong = {name: loaded for name, loaded in found.items() if loaded != []}
    assert not wrong, "\n".join(f"{name}: {loaded}" for name, loaded in sorted(wrong.items()))


def modules_after(code: str) -> set[str]:
    """Names in sys.modules after running `code` in a fresh interpreter."""
    script = code + "\nimport sys\nprint('--modules--', *sys.modules, sep='\\n')\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.rsplit("--modules--\n", 1)[1].split())


def test_cli_commands_that_need_no_ui_do_not_import_textual(tmp_path):
    code = (f"from kiosk.cli import main\n"
            f"main(['--data-dir', {str(tmp_path / 'd')!r}, 'demo-data', '--count', '3'])\n"
            f"main(['--data-dir', {str(tmp_path / 'd')!r}, 'entries', 'list', '--json'])\n")
    loaded = modules_after(code)
    assert "kiosk.store" in loaded and "textual" not in loaded


# -- import cycles ------------------------------------------------------------------------------

def source_files() -> dict[str, Path]:
    """Module name -> file, for every .py file of the package (a package is its __init__)."""
    modules = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree, at module level and in functions, but not under
    `if TYPE_CHECKING:` (never executed)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> dict[str, int]:
    """The kiosk modules `name` imports (module level and in functions), each with the line of
    its first import. `from kiosk.a import b` is kiosk.a.b when that is a module, else kiosk.a;
    importing kiosk.a.b also runs the __init__ of kiosk.a, so that is an import too, except for
    the module's own packages (their __init__ is already running when it runs: a package that
    imports its own submodules is no loop). A module that calls importlib.import_module imports
    every kiosk module it names in a string."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: dict[str, int] = {}
    own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}

    def add(target: str, line: int) -> None:
        while target and target not in modules:
            target = target.rpartition(".")[0]  # a name defined in a module, not a module
        while target.startswith("kiosk"):
            if target != name and target not in own_packages:
                found.setdefault(target, line)
            target = target.rpartition(".")[0]

    dynamic, strings = False, []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base,
                    node.lineno)
        elif isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id == "__import__")):
            dynamic = True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value in modules:
            strings.append((node.value, node.lineno))
    if dynamic:
        for target, line in strings:
            add(target, line)
    return found


def import_graph() -> tuple[dict[str, dict[str, int]], dict[str, Path]]:
    modules = source_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}, modules


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def shortest_cycle(graph: dict[str, dict[str, int]], group: list[str]) -> list[str]:
    """A shortest import loop through the group's first module, as a list of modules."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target == start:
                return [*paths[node], start]
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return group


def test_the_cycle_finder_sees_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert shortest_cycle(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_the_import_graph_sees_imports_of_every_kind():
    graph, _ = import_graph()
    doctor = graph["kiosk.ops.doctor"]
    assert "kiosk.config" in doctor  # at module level
    assert "kiosk.store" in doctor  # inside a function
    assert "kiosk.coach" in graph["kiosk.ops.doctor_device"]  # another package's __init__ runs
    assert "kiosk.ops" not in doctor  # its own package's __init__ is already running
    assert "kiosk.ops.doctor" not in doctor


def test_no_import_cycle_between_kiosk_modules():
    graph, modules = import_graph()
    problems = []
    for group in cycles(graph):
        loop = shortest_cycle(graph, group)
        edges = [f"{a} -> {b} ({modules[a].relative_to(ROOT)}:{graph[a][b]})"
                 for a in group for b in sorted(graph[a]) if b in group]
        problems.append(f"import cycle, e.g. {' -> '.join(loop)}; its imports:\n    "
                        + "\n    ".join(edges))
    assert not problems, "\n".join(problems)


# -- file size ----------------------------------------------------------------------------------

def test_no_source_file_is_over_450_lines():
    long = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in FROZEN_DATA:
            long[name] = lines
    assert not long, ", ".join(f"{name} ({lines} lines)" for name, lines in long.items())
