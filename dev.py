#!/usr/bin/env python3
"""Set up and run Passage on a fresh machine with nothing but Python 3.11+ and pip.

    python3 dev.py run     install into .venv, prepare the SQLite demo site, start the server
    python3 dev.py test    install into .venv, run linters, type checks and the whole test suite

Extra arguments after ``test`` go to pytest (``python3 dev.py test -k login``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)  # noqa: S603
    if result.returncode:
        sys.exit(result.returncode)


def install(extra: str = "") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs before any install
        sys.exit("Passage needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    target = f".[{extra}]" if extra else "."
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", target)


def cmd_run(args: list[str]) -> None:
    install()
    env = {**os.environ, "LMS_ENV": os.environ.get("LMS_ENV", "development")}
    run(BIN / "lms", "demo", env=env)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    print(f"\nPassage is starting at http://{host}:{port}/  (Ctrl+C stops it)\n", flush=True)
    run(BIN / "lms", "run", "--host", host, "--port", port, *args, env=env)


def cmd_test(args: list[str]) -> None:
    install("test")
    run(BIN / "ruff", "check", "lms", "tests", "dev.py")
    run(BIN / "ruff", "format", "--check", "lms", "tests", "dev.py")
    run(BIN / "mypy")
    run(BIN / "lint-imports")  # features import only from features on their left
    run(BIN / "python", "-m", "pytest", *args)


def main() -> None:
    commands = {"run": cmd_run, "test": cmd_test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
