"""Run a bash block of the README as a reader would, against this run's local API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_block(script: str, tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    """`bash -eu` over the block, with this interpreter's directory first on PATH (the blocks read JSON fields with
    `python3`). Each curl's status goes to stderr as `-> HTTP nnn`."""
    (tmp_path / name).write_text(script)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", "-eu", str(tmp_path / name)],  # noqa: S607 - bash, as the README says
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
