"""The import rules hold, and their list of hub modules an adapter may not import is complete:
a new hub module is forbidden to adapters until someone decides it is a port."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"channels", "ports", "api", "errors", "clock", "config"}


def _hub_modules() -> set[str]:
    found = set()
    for path in (ROOT / "hub").iterdir():
        if path.suffix == ".py" and path.stem != "__init__":
            found.add(path.stem)
        elif path.is_dir() and (path / "__init__.py").exists():
            found.add(path.name)
    return found


def test_every_hub_module_but_the_ports_is_forbidden_to_adapters():
    rules = configparser.ConfigParser()
    rules.read(ROOT / ".importlinter")
    forbidden = rules["importlinter:contract:adapters-through-ports"]["forbidden_modules"]
    listed = {name.strip().removeprefix("hub.") for name in forbidden.split() if name.strip()}
    assert listed == _hub_modules() - PORTS


def test_the_import_rules_are_kept():
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
