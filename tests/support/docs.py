"""The project's documentation pages as tests read them: a page's text, a section of it, its bash blocks, and a bash
block run as a reader would run it against this run's local API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.handlers import ROOT


def page(name: str) -> str:
    """The text of a documentation page, by its path from the repository's root (`README.md`, `docs/api.md`)."""
    return (ROOT / name).read_text()


def section(text: str, title: str, level: int = 2) -> str:
    """From the heading `title` (at `level`, `##` by default) to the next heading of that level or higher."""
    marks = "#" * level
    start = text.index(f"\n{marks} {title}\n")
    following = [text.find(f"\n{'#' * n} ", start + 1) for n in range(1, level + 1)]
    ends = [end for end in following if end != -1]
    return text[start : min(ends) if ends else len(text)]


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.DOTALL)


def run_block(script: str, tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    """`bash -eu` over the block, with this interpreter's directory first on PATH (the blocks read JSON fields with
    `python3`). Each curl's status goes to stderr as `-> HTTP nnn`."""
    (tmp_path / name).write_text(script)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", "-eu", str(tmp_path / name)],  # noqa: S607 - bash, as the pages say
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
