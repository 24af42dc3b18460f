"""Fit and sampling cost of MissDiff from 1,000 to 1,000,000 rows: time and peak memory.

Each table is Adult's complete rows drawn with replacement (seed 0) to the size asked, every
non-zero number moved by a small rounded Gaussian step (1% of the column's standard deviation)
so that no two copies of a row are identical, then 20% of the cells hidden MCAR-independently
(``simulate_missing``, seed 0). Every size runs in a process of its own, so that the peak
resident memory of one size (``ru_maxrss``) is not the one of a larger size before it; on a GPU
the peak of allocated device memory is reported too.

Reported per size: rows, encoded dimensions, the encoded table's bytes (values and observation
mask, float32), the optimisation steps taken, fit seconds, seconds per step, peak host memory
after building the table, after the fit and after sampling, and the seconds to sample
``--sample-rows`` rows (the same count as the table by default; sampling costs the same per row
whatever the size of the table it was fitted on).

Usage::

    python -m benchmarks.scale --rows 1000 16000 100000 1000000 --sample-rows-for 1000000=100000

``--epochs-for SIZE=EPOCHS`` overrides the automatic budget for one size (about 6,000 steps, at
least one epoch: 2 epochs, 7,814 steps at 1M rows); ``--sample-rows-for SIZE=ROWS`` samples
fewer rows than the table has (1M rows take minutes to sample on a 2-core CPU).
Results go to ``benchmarks/results/scale/`` (``scale.csv`` and ``scale.md``).
"""

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmarks.speed import to_markdown

RESULTS = Path(__file__).parent / 'results' / 'scale'
NOISE_SHARE = 0.01
MISSING_RATE = 0.2


def peak_host_mib():
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resampled_adult(num_rows, seed=0):
    """``num_rows`` Adult rows drawn with replacement, numbers jittered, 20% MCAR cells."""
    from sdv_missdiff.datasets import ADULT_NUMERICAL_COLUMNS, load_adult
    from sdv_missdiff.missingness import simulate_missing

    data = load_adult(complete_rows_only=True)
    rng = np.random.default_rng(seed)
    rows = data.iloc[rng.integers(0, len(data), num_rows)].reset_index(drop=True)
    for column in ADULT_NUMERICAL_COLUMNS:
        values = rows[column].to_numpy(dtype=float)
        step = np.round(rng.normal(0, NOISE_SHARE * data[column].std(), num_rows))
        # Zeros (most capital gains and losses) stay zero; nothing falls below the column's min.
        jittered = np.where(values != 0, np.maximum(values + step, data[column].min()), 0)
        rows[column] = jittered.astype(rows[column].dtype)

    observed, _ = simulate_missing(rows, 'mcar_independent', MISSING_RATE, seed=seed)
    return observed


def measure_one(num_rows, epochs, sample_rows, threads):
    """Fit and sample one size in this process; return its figures as a dict."""
    from sdv_missdiff import MissDiffSynthesizer
    from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata

    warnings.filterwarnings('ignore')
    torch.set_num_threads(threads)
    table = resampled_adult(num_rows)
    host_after_table = peak_host_mib()
    synthesizer = MissDiffSynthesizer(get_adult_metadata(), epochs=epochs)
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()

    torch.manual_seed(0)
    start = time.perf_counter()
    synthesizer.fit({ADULT_TABLE_NAME: table})
    fit_s = time.perf_counter() - start
    host_after_fit = peak_host_mib()
    gpu_fit = torch.cuda.max_memory_allocated() / 2**20 if cuda else None
    model = synthesizer._model
    dimensions = synthesizer._encoder.output_dimensions
    epochs_run = model.stopped_epoch or model.epochs
    training = model.options.training
    training_rows = num_rows - int(round(training.validation_share * num_rows))
    steps = epochs_run * int(np.ceil(training_rows / min(training.batch_size, training_rows)))
    sample_rows = sample_rows or num_rows
    synthesizer.set_random_state(0)
    start = time.perf_counter()
    synthetic = synthesizer.sample(sample_rows)[ADULT_TABLE_NAME]
    sample_s = time.perf_counter() - start
    return {
        'rows': num_rows,
        'dimensions': dimensions,
        'encoded_mib': round(2 * 4 * num_rows * dimensions / 2**20, 1),
        'epochs': epochs_run,
        'steps': steps,
        'fit_s': round(fit_s, 1),
        'ms_per_step': round(1000 * fit_s / steps, 2),
        'host_peak_mib_table': round(host_after_table),
        'host_peak_mib_fit': round(host_after_fit),
        'host_peak_mib_sample': round(peak_host_mib()),
        'gpu_peak_mib_fit': None if gpu_fit is None else round(gpu_fit),
        'sample_rows': len(synthetic),
        'sample_s': round(sample_s, 2),
        'device': str(model.device),
    }


def parse_overrides(pairs):
    """``['1000000=1']`` -> ``{1000000: 1}``."""
    overrides = {}
    for pair in pairs:
        size, _, value = pair.partition('=')
        overrides[int(size)] = int(value)

    return overrides


def main():
    """Measure every size in a child process and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', nargs='+', type=int, default=[1_000, 16_000, 100_000])
    parser.add_argument('--epochs-for', nargs='*', default=[], metavar='SIZE=EPOCHS')
    parser.add_argument('--sample-rows-for', nargs='*', default=[], metavar='SIZE=ROWS')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--output', default=str(RESULTS))
    parser.add_argument('--one', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--epochs', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--sample-rows', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure_one(args.one, args.epochs, args.sample_rows, args.threads)))
        return

    epochs_for = parse_overrides(args.epochs_for)
    sample_rows_for = parse_overrides(args.sample_rows_for)
    results = []
    for num_rows in args.rows:
        command = [sys.executable, '-m', 'benchmarks.scale', '--one', str(num_rows)]
        command += ['--threads', str(args.threads)]
        if num_rows in epochs_for:
            command += ['--epochs', str(epochs_for[num_rows])]
        if num_rows in sample_rows_for:
            command += ['--sample-rows', str(sample_rows_for[num_rows])]

        print(f'[{time.strftime("%H:%M:%S")}] {num_rows} rows ...', flush=True)
        finished = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(finished.stdout.strip().splitlines()[-1])
        print(json.dumps(result), flush=True)
        results.append(result)

    frame = pd.DataFrame(results)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    frame.to_csv(output / 'scale.csv', index=False)
    machine = f'{platform.machine()}, {args.threads} torch threads, {results[0]["device"]}'
    settings = json.dumps({key: value for key, value in vars(args).items() if key != 'output'})
    text = f'# scale\n\nMachine: {machine}. Settings: `{settings}`\n\n'
    (output / 'scale.md').write_text(text + to_markdown(frame) + '\n')


if __name__ == '__main__':
    main()
