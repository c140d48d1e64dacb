"""The code stays in one style: ruff, configured in ruff.toml, finds nothing."""
import io
import subprocess
import sys
import tokenize

import pytest

from benchmark import REPO


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("task", ["task1", "task2"])
def test_comments_are_at_most_15_percent_of_a_task_script(task):
    """A marker reads code, not prose: comments and docstrings take at most 15% of each script's characters."""
    source = (REPO / f"{task}.py").read_text()
    prose = sum(len(token.string) for token in tokenize.generate_tokens(io.StringIO(source).readline)
                if token.type == tokenize.COMMENT or (token.type == tokenize.STRING and token.string.startswith('"""')))
    assert prose <= 0.15 * len(source), f"{task}.py: {prose} of {len(source)} characters are comments or docstrings"
