"""The code stays in one style: ruff, configured in ruff.toml, finds nothing."""
import subprocess
import sys

from benchmark import REPO


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
