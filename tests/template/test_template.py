"""The template must pass every check `sam deploy` would make, and build without a container, reproducibly: the
layer installs exactly the hash-pinned distributions of its lock file."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "cognito_auth"
pytestmark = pytest.mark.slow


def normalized(name: str) -> str:
    """A distribution's name as PyPI compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, tuple[str, str]]:
    """name -> (version, sha256) of every distribution in requirements-lock.txt."""
    text = (LAYER / "requirements-lock.txt").read_text()
    entries = re.findall(r"^(\S+)==(\S+) \\\n\s+--hash=sha256:([0-9a-f]{64})$", text, re.MULTILINE)
    return {normalized(name): (version, digest) for name, version, digest in entries}


def test_the_lock_pins_every_distribution_with_its_hash_and_the_requirements_versions() -> None:
    lock = locked()
    text = (LAYER / "requirements-lock.txt").read_text()
    pins = re.findall(r"^([\w.-]+)(?:\[[\w,]+\])?==(\S+)", (LAYER / "requirements.txt").read_text(), re.MULTILINE)

    # Each requirement line of the lock was parsed: none lacks a hash.
    assert len(lock) == len(re.findall(r"^\S+==", text, re.MULTILINE)) >= len(pins) > 0
    assert {normalized(name): version for name, version in pins} == {
        normalized(name): lock[normalized(name)][0] for name, _ in pins
    }
    # The build installs the lock, and pip refuses any file whose hash differs.
    makefile = (LAYER / "Makefile").read_text()
    assert "--require-hashes" in makefile
    assert '-r "$(LOCK)"' in makefile
    assert "LOCK := $(HERE)requirements-lock.txt" in makefile


def sam_command() -> list[str]:
    sam = os.environ.get("SAM_BIN") or str(ROOT / ".venv-sam" / "bin" / "sam")
    if not Path(sam).exists():
        pytest.fail(f"aws-sam-cli not found at {sam}: run the tests with `make test`, which installs it")
    return [sam]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    python313 = os.environ.get("PYTHON313")
    if python313:
        env["PATH"] = f"{Path(python313).parent}:{env['PATH']}"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_cfn_lint_passes() -> None:
    result = run(shutil.which("cfn-lint") or str(ROOT / ".venv" / "bin" / "cfn-lint"), "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_passes() -> None:
    result = run(*sam_command(), "validate", "--region", "us-east-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = run(*sam_command(), "validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr


def deployment_size(folder: Path) -> tuple[int, int]:
    """(unzipped, zipped) bytes of a built function or layer; zipped with deflate's default level (the SAM CLI's own
    zip of the layer came out about a third larger)."""
    buffer = io.BytesIO()
    unzipped = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                unzipped += path.stat().st_size
                archive.write(path, path.relative_to(folder))
    return unzipped, len(buffer.getvalue())


def test_sam_build_without_container_for_arm64(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(*sam_command(), "build", "--build-dir", str(tmp_path / "build"))

    assert result.returncode == 0, result.stdout + result.stderr
    layer = tmp_path / "build" / "CognitoAuthLayer" / "python"
    assert (layer / "cognito_auth" / "service.py").exists()
    native = next(layer.glob("msgspec/_core*.so"))
    assert "aarch64" in native.name, native.name
    # Exactly the locked distributions, at the locked versions: nothing unpinned slipped in.
    installed = dict(
        (normalized(d.name.removesuffix(".dist-info").split("-")[0]), d.name.removesuffix(".dist-info").split("-")[1])
        for d in layer.glob("*.dist-info")
    )
    assert installed == {name: version for name, (version, _) in locked().items()}
    for function in (tmp_path / "build").glob("*Function"):
        assert sorted(p.name for p in function.iterdir()) == ["app.py"], function

    sizes = {p.name: deployment_size(p) for p in sorted((tmp_path / "build").iterdir()) if p.is_dir()}
    with capsys.disabled():
        print("\nsam build (arm64) artifact sizes, unzipped / zipped:")
        for name, (unzipped, zipped) in sizes.items():
            print(f"  {name:24} {unzipped / 1e3:9.1f} kB / {zipped / 1e3:8.1f} kB")
    # Lambda's limits: 250 MB unzipped for a function and its layers together, 50 MB zipped per upload.
    layer_size = sizes["CognitoAuthLayer"][0]
    assert all(unzipped + layer_size < 250e6 for name, (unzipped, _) in sizes.items() if name.endswith("Function"))
    assert all(zipped < 50e6 for _, zipped in sizes.values())
