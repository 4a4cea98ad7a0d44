"""assistant/llm is plain Python: it imports nothing from Django and reads no environment."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import assistant.llm

PACKAGE = Path(assistant.llm.__file__).parent
ROOT = PACKAGE.parent.parent


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level
            names.append(prefix + (node.module or ""))
    return names


def test_no_module_in_the_package_imports_django_or_the_rest_of_the_project():
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in ("django", "channels", "celery", "tickets", "analytics"):
                offenders.append(f"{path.name}: {name}")
            if name.startswith("..") or (
                name.startswith("assistant.") and not name.startswith("assistant.llm")
            ):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_no_module_in_the_package_reads_the_environment():
    for path in sorted(PACKAGE.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "os.environ" not in source and "getenv" not in source, path.name


def test_importing_every_module_loads_no_django():
    # The project package's __init__ sets up Celery for Django, so the check replaces it with an
    # empty namespace and imports assistant.llm on its own, in a fresh interpreter.
    script = textwrap.dedent(
        f"""
        import sys, types
        parent = types.ModuleType("assistant")
        parent.__path__ = [{str(ROOT / "assistant")!r}]
        sys.modules["assistant"] = parent
        import assistant.llm, assistant.llm.simulator, assistant.llm.registry
        loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
        print(",".join(loaded))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert output.stdout.strip() == ""
