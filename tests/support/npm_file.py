"""One file out of an npm package's tarball, for a test tool only npm publishes (Mermaid, for tests/docs). The tarball
is checked against the integrity the registry publishes for it (`npm view <package>@<version> dist.integrity`) before
anything is taken out of it; on a mismatch nothing is written. The Makefile runs it:

    python tests/support/npm_file.py TARBALL_URL INTEGRITY MEMBER OUTPUT
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
from pathlib import Path

import httpx


class IntegrityError(Exception):
    pass


def checked(tarball: bytes, integrity: str) -> bytes:
    """The tarball, if its SHA-512 is the pinned integrity (`sha512-<base64>`, npm's Subresource Integrity form)."""
    actual = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if actual != integrity:
        raise IntegrityError(f"the tarball's integrity is {actual}, not the pinned {integrity}")
    return tarball


def member(tarball: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        file = archive.extractfile(name)
        if file is None:
            raise KeyError(f"{name} is not a file in the tarball")
        return file.read()


def main(url: str, integrity: str, name: str, output: str) -> None:
    tarball = httpx.get(url, timeout=120, follow_redirects=True).raise_for_status().content
    try:
        content = member(checked(tarball, integrity), name)
    except IntegrityError as error:
        sys.exit(f"{url}: {error}. Not using it: pin the registry's integrity only for a version bumped on purpose.")
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    partial.replace(path)
    print(f"{path}: {name} of {url}, integrity checked")


if __name__ == "__main__":
    main(*sys.argv[1:])
