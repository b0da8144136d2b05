"""Pinned dependencies with known vulnerabilities stay out. pip-audit needs PyPI's per-release JSON API, which this
project's machines cannot reach (`make audit`, SECURITY.md); these checks hold offline."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
# CVE-2024-33663 (algorithm confusion with OpenSSH ECDSA keys) and CVE-2024-33664 (JWE decompression bomb).
JOSE_FIXED = Version("3.4.0")


def pinned(requirements: Path, name: str) -> Version:
    match = re.search(rf"^{re.escape(name)}(\[[^\]]*\])?==([^\s#]+)", requirements.read_text(), re.MULTILINE)
    assert match, f"{name} is not pinned in {requirements}"
    return Version(match.group(2))


def test_python_jose_is_pinned_at_a_release_with_both_cves_fixed() -> None:
    assert pinned(ROOT / "layers" / "cognito_auth" / "requirements.txt", "python-jose") >= JOSE_FIXED
    assert Version(version("python-jose")) >= JOSE_FIXED


def test_python_jose_signs_and_verifies_with_the_cryptography_backend() -> None:
    """The pure-Python fallbacks (python-rsa, ecdsa) carry their own timing-attack advisories."""
    from jose.backends import RSAKey

    assert RSAKey.__module__ == "jose.backends.cryptography_backend"
    assert "[cryptography]" in (ROOT / "layers" / "cognito_auth" / "requirements.txt").read_text()
