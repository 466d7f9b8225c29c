import os
import shutil
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture
def write_file(tmp_path):
    """Write a text file in the given encoding (CAF files use CRLF line ends)."""

    def _write(relative: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
        return path

    return _write


@pytest.fixture
def sample_landing(tmp_path) -> Path:
    """A private copy of the bundled sample, usable as a landing folder."""
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR, landing)
    return landing
