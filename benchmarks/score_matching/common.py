"""Shared helpers of the score matching experiments."""

import os
import pathlib
import time

import numpy as np
import torch

RESULTS_DIR = pathlib.Path(__file__).resolve().parents[1] / 'results' / 'score_matching'


def single_thread():
    """Use one CPU thread (the benchmark machine is shared)."""
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    torch.set_num_threads(1)


def mcar(data, rate, rng):
    """Hide cells independently with probability ``rate``, keeping one observed cell per row."""
    hidden = rng.random(data.shape) < rate
    empty = hidden.all(axis=1)
    keep = rng.integers(0, data.shape[1], size=empty.sum())
    hidden[np.flatnonzero(empty), keep] = False
    result = data.astype(float).copy()
    result[hidden] = np.nan
    return result


class Timer:
    """Context manager measuring wall-clock seconds."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *args):
        self.seconds = time.perf_counter() - self.start


def to_markdown(frame):
    """Render a DataFrame as a GitHub markdown table (without the tabulate dependency)."""
    frame = frame.reset_index()
    frame.columns = [
        ' '.join(str(part) for part in column if part) if isinstance(column, tuple) else column
        for column in frame.columns
    ]
    header = '| ' + ' | '.join(str(column) for column in frame.columns) + ' |'
    rule = '|' + '|'.join('---' for _ in frame.columns) + '|'
    rows = ['| ' + ' | '.join(str(value) for value in row) + ' |' for row in frame.to_numpy()]
    return '\n'.join([header, rule, *rows]) + '\n'
