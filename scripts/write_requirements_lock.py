"""Print a pip requirements file that pins every wheel in a folder by version and sha256.

    python scripts/write_requirements_lock.py WHEEL_DIR > layers/cognito_auth/requirements-lock.txt

layers/cognito_auth/Makefile's `lock` target fills WHEEL_DIR with `pip download` for the layer's platform, so the lock
holds exactly the distributions the layer's build installs, and `pip install --require-hashes` refuses any other file.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HEADER = """\
# The shared layer's distributions, every one pinned with the sha256 of the wheel its build installs (Linux arm64,
# CPython 3.13): layers/cognito_auth/requirements.txt resolved by pip for that platform. Generated, do not edit:
# after changing requirements.txt, run `make lock`. The layer's build installs this file with --require-hashes.
"""


def lock(folder: Path) -> str:
    lines = [HEADER]
    for wheel in sorted(folder.glob("*.whl"), key=lambda p: p.name.lower()):
        # A wheel's name is {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl, "-" escaped as "_".
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name.lower().replace('_', '-')}=={version} \\\n    --hash=sha256:{digest}\n")
    return "".join(lines)


if __name__ == "__main__":
    sys.stdout.write(lock(Path(sys.argv[1])))
