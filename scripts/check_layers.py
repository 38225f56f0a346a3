"""Check the core's import layering: no module imports a module of a higher layer, and there are no
import cycles (function-local imports included). Exits non-zero listing the offenders.

    python scripts/check_layers.py
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# lowest first; a module may import its own layer and the layers below
LAYERS = [
    ("semcom_core.paths", "semcom_core.config", "semcom_core.device"),
    ("semcom_core.channels", "semcom_core.data"),
    ("semcom_core.nets",),
    ("semcom_core.costs", "semcom_core.digital", "semcom_core.zoo"),
    ("semcom_core.eval",),
    ("semcom_core.train", "semcom_core.toc"),
    ("semcom_core.plan",),
    ("semcom_core.cli", "semcom_core.__main__"),
    ("semcom_ui",),
]


def layer_of(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    if module == "semcom_core":
        return 0
    raise KeyError(module)


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text())
    pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            for alias in node.names:  # `from pkg import module` imports that module
                out.add(f"{base}.{alias.name}")
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.split(".")[0] in ("semcom_core", "semcom_ui")}


def main() -> int:
    files = [p for d in ("semcom_core", "semcom_ui") for p in (ROOT / d).rglob("*.py")]
    names = {module_name(p): p for p in files}

    def resolve(m: str) -> str | None:  # the known module an import names (a symbol's module for `from m import f`)
        while m and m not in names:
            m = m.rpartition(".")[0]
        return m or None

    graph = {n: {r for m in imports_of(p, n) if (r := resolve(m)) and r != n} for n, p in names.items()}
    bad = [f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})"
           for a, deps in graph.items() for b in deps if layer_of(b) > layer_of(a)]
    # cycles: depth-first search over the module graph
    cycles, state = [], {}

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        for d in sorted(graph[n]):
            if d.startswith(n + ".") or n.startswith(d + "."):  # a package and its own modules
                continue
            if state.get(d) == 1:
                cycles.append(" -> ".join(stack[stack.index(d):] + [d]))
            elif d not in state:
                visit(d, stack + [d])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    for line in bad + [f"cycle: {c}" for c in cycles]:
        print(line)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports: "
          f"{len(bad)} upward imports, {len(cycles)} cycles")
    return 1 if bad or cycles else 0


if __name__ == "__main__":
    sys.exit(main())
