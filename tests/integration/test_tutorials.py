"""Every tutorial script runs end to end (they are documentation that must not rot)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = sorted((Path(__file__).parents[2] / 'tutorials').glob('*.py'))


@pytest.mark.parametrize('tutorial', TUTORIALS, ids=[path.name for path in TUTORIALS])
def test_tutorial_runs(tutorial, tmp_path):
    # One torch thread: tutorials must not thrash when the CPU is shared.
    environment = {**os.environ, 'MPLBACKEND': 'Agg', 'OMP_NUM_THREADS': '1'}
    completed = subprocess.run(
        [sys.executable, str(tutorial)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
