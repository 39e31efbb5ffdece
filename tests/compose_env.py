"""The .env a person writes from .env.example: every placeholder replaced by a value made the
way the file's comments say, by running the very commands they give."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

# A comment line that gives the command making a value: #   python -c "..."
COMMAND = re.compile(r'^#\s+python -c "(?P<code>[^"]+)"$')
PLACEHOLDER = "replace-with"


def run(code: str) -> str:
    made = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return made.stdout.strip()


# Made once: a test that changes a value changes its own copy.
@functools.cache
def made_env_file(path: Path) -> dict[str, str]:
    """The file's variables, each placeholder made anew: a variable whose comment block gives
    a command is made by that command, every other placeholder by the file's first command."""
    values: dict[str, str] = {}
    commands: list[str] = []
    pending: str | None = None
    for line in path.read_text().splitlines():
        if command := COMMAND.match(line):
            commands.append(command["code"])
            pending = command["code"]
        elif not line.strip():
            pending = None
        elif not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = run(pending) if pending else value.strip()
            pending = None
    for name, value in values.items():
        if PLACEHOLDER in value:
            values[name] = run(commands[0])
    return values
