"""Speed of MissDiff's defaults on the CPU, beside TabularARGN and the slower settings they replace.

Tasks (``--tasks``):

- ``adult``: Adult, 16,000 complete rows with 20% of the cells hidden MCAR-independently (seed 0,
  the setting of ``benchmarks/adult_synthesizers.py``). MissDiff with its defaults is fitted
  once; 16,000 rows are sampled with the default sampler and with the ones it replaced
  (``OTHER_SAMPLERS``: 30 DDIM steps, 50 ancestral ones) and a faster setting (20
  DPM-Solver++(2M) steps) from the same fit, each timed and scored (SDMetrics
  quality against the complete rows, XGBoost on 4,000 real test rows). TabularARGN
  (``mostlyai-engine``, defaults) is fitted and sampled in the same run when it is installed.
- ``small``: tables under 1,000 rows: the Palmer penguins (``palmerpenguins``, 258 training
  rows, natural holes), Adult at 500 rows and the paper's Bayesian network at 500 rows (both
  20% MCAR, scored against 4,000 held-out rows), each fitted with MissDiff's defaults,
  with the defaults they replaced and with the wide denoiser (``SMALL_SETTINGS``), scored
  against held-out real rows.
- ``profile``: where one epoch of the default fit on Adult-16k spends its time (torch
  profiler, operators by self time).
- ``sample``: load a saved synthesizer (``--load``) and sample ``--rows`` rows with
  ``--sampler`` and ``--sampling-steps``: a whole process to time from outside.

Timings are wall seconds of ``time.perf_counter`` around ``fit`` and ``sample`` on this machine,
nothing else running; ``torch`` uses ``--threads`` threads. Results go to
``benchmarks/results/speed/`` (a CSV and a markdown table per task).

Usage::

    python -m benchmarks.speed --tasks adult small profile --save /tmp/missdiff_adult.pkl
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.benchmark.adapters import SystemNotInstalledError
from sdv_missdiff.benchmark.runner import fit_system, sample_system
from sdv_missdiff.benchmark.systems import make_system, missdiff_arguments
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation import quality_scores, score_synthetic
from sdv_missdiff.missingness import simulate_missing

RESULTS = Path(__file__).parent / 'results' / 'speed'
TASKS = ('adult', 'small', 'profile', 'sample')
# Samplers scored beside the default (25 DPM-Solver++(2M) steps) on the same fit: the ones it
# replaced and a faster setting.
OTHER_SAMPLERS = {
    'missdiff, 30 DDIM steps (default before)': {'sampler': 'ddim', 'sampling_steps': 30},
    'missdiff, 50 ancestral steps (default before that)': {
        'sampler': 'ancestral',
        'sampling_steps': 50,
    },
    'missdiff, 20 DPM-Solver++(2M) steps': {'sampler': 'dpm++2m', 'sampling_steps': 20},
}
# Small tables: the defaults beside the defaults they replaced (on these tables: 2,000 epochs,
# width 256, 10% of the rows held out to stop on) and the wide denoiser at the new budget.
SMALL_SETTINGS = {
    'defaults': {},
    'defaults before (width 256, 2,000 epochs, 10% held out)': {
        'denoiser_width': 256,
        'epochs': 2_000,
        'validation_share': 0.1,
    },
    'width 256, 500 epochs': {'denoiser_width': 256},
}


def log(message):
    """Print a time-stamped progress line."""
    print(f'[{time.strftime("%H:%M:%S")}] {message}', flush=True)


def timed(function, *args, **kwargs):
    """Call ``function``; return its result and the wall seconds it took."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def sample_with(synthesizer, num_rows, sampler, sampling_steps, seed=0):
    """Sample ``num_rows`` rows of a fitted MissDiff with another sampler (fit unchanged)."""
    saved = synthesizer.options.sampling
    synthesizer.set_sampling_options(sampler=sampler, sampling_steps=sampling_steps)
    try:
        synthesizer.set_random_state(seed)
        return timed(synthesizer.sample, num_rows)
    finally:
        synthesizer.set_sampling_options(sampler=saved.sampler, sampling_steps=saved.sampling_steps)


def adult_task(args):
    """Fit and sample Adult-16k: MissDiff's defaults, its other samplers, TabularARGN."""
    train, test = load_adult_split(16_000, 4_000, seed=0)
    observed, _ = simulate_missing(train, 'mcar_independent', 0.2, seed=0)
    metadata = get_adult_metadata()
    rows = []

    def scored(name, synthetic, fit_s, sample_s, extra=None):
        scores = score_synthetic(train, synthetic, metadata, test_data=test, target='income')
        row = {'system': name, 'fit_s': round(fit_s, 1), 'sample_s': round(sample_s, 2)}
        row.update({key: round(value, 4) for key, value in scores.items()})
        row.update(extra or {})
        log(row)
        return row

    torch.manual_seed(0)
    synthesizer = MissDiffSynthesizer(metadata)
    _, fit_s = timed(synthesizer.fit, {ADULT_TABLE_NAME: observed})
    extra = {'epochs': synthesizer._model.stopped_epoch or synthesizer._model.epochs}
    if args.save:
        synthesizer.save(args.save)

    for seed in args.sample_seeds:
        synthesizer.set_random_state(seed)
        synthetic, sample_s = timed(synthesizer.sample, 16_000)
        name = 'missdiff (defaults: auto, 25 DPM-Solver++(2M) steps)'
        row = scored(name, synthetic, fit_s, sample_s, extra)
        rows.append({**row, 'sample_seed': seed})
        for name, sampler in OTHER_SAMPLERS.items():
            synthetic, sample_s = sample_with(synthesizer, 16_000, seed=seed, **sampler)
            row = scored(name, synthetic, fit_s, sample_s, extra)
            rows.append({**row, 'sample_seed': seed})

    if 'tabular_argn' in args.systems:
        try:
            system = make_system('tabular_argn', metadata, ADULT_TABLE_NAME)
            fit_s = fit_system(system, observed, 0)
        except SystemNotInstalledError as error:
            log(f'tabular_argn skipped: {error}')
            rows.append({'system': 'tabular_argn', 'status': f'not installed: {error}'})
        else:
            synthetic, sample_s = sample_system(system, 16_000)
            rows.append({**scored('tabular_argn (defaults)', synthetic, fit_s, sample_s)})

    return pd.DataFrame(rows)


def load_small(name):
    """``(train, holdout, metadata, table name)`` of a small table."""
    if name == 'penguins':
        from benchmarks.learned_missingness import load_setting

        train, holdout, metadata, table_name = load_setting('penguins', 0, 0, 0.0)
        return train, holdout, metadata, table_name

    if name == 'bayesian_network_500':
        from sdv_missdiff.benchmark.datasets import (
            BAYESIAN_NETWORK_TABLE_NAME,
            get_bayesian_network_metadata,
            simulate_bayesian_network,
        )

        train = simulate_bayesian_network(500, seed=0)
        observed, _ = simulate_missing(train, 'mcar_independent', 0.2, seed=0)
        holdout = simulate_bayesian_network(4_000, seed=1)
        metadata = get_bayesian_network_metadata()
        return observed, holdout, metadata, BAYESIAN_NETWORK_TABLE_NAME

    train, holdout = load_adult_split(500, 4_000, seed=0)
    observed, _ = simulate_missing(train, 'mcar_independent', 0.2, seed=0)
    return observed, holdout, get_adult_metadata(), ADULT_TABLE_NAME


def small_task(args):
    """Fit small tables with the defaults and the settings beside them, scored on held-out rows."""
    rows = []
    for name in args.small_tables:
        try:
            train, holdout, metadata, table_name = load_small(name)
        except SystemExit as error:
            rows.append({'table': name, 'status': str(error)})
            continue

        for label, arguments in SMALL_SETTINGS.items():
            qualities, fits = [], []
            for seed in args.fit_seeds:
                torch.manual_seed(seed)
                synthesizer = MissDiffSynthesizer(metadata, **missdiff_arguments(arguments))
                _, fit_s = timed(synthesizer.fit, {table_name: train})
                synthesizer.set_random_state(seed)
                synthetic = synthesizer.sample(len(holdout))
                scores = quality_scores(holdout, synthetic, metadata)
                qualities.append(scores['quality'])
                fits.append(fit_s)
                model = synthesizer._model
                log(
                    f'{name} {label} seed {seed}: fit {fit_s:.1f} s, quality '
                    f'{scores["quality"]:.4f}, epochs {model.stopped_epoch or model.epochs}'
                )

            rows.append(
                {
                    'table': name,
                    'rows': len(train),
                    'setting': label,
                    'fit_s_median': round(float(np.median(fits)), 1),
                    'quality_mean': round(float(np.mean(qualities)), 4),
                    'quality_per_seed': ' / '.join(f'{value:.4f}' for value in qualities),
                }
            )

    return pd.DataFrame(rows)


def profile_task(args):
    """The operators one epoch of the default Adult-16k fit spends its time in."""
    from torch.profiler import ProfilerActivity, profile

    train, _ = load_adult_split(16_000, 4_000, seed=0)
    observed, _ = simulate_missing(train, 'mcar_independent', 0.2, seed=0)
    synthesizer = MissDiffSynthesizer(get_adult_metadata(), epochs=1)
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        torch.manual_seed(0)
        synthesizer.fit({ADULT_TABLE_NAME: observed})

    events = profiler.key_averages()
    total = sum(event.self_cpu_time_total for event in events)
    rows = [
        {
            'operator': event.key,
            'self_ms': round(event.self_cpu_time_total / 1000, 1),
            'share': round(event.self_cpu_time_total / total, 3),
            'calls': event.count,
        }
        for event in sorted(events, key=lambda event: -event.self_cpu_time_total)[:15]
    ]
    log(f'one epoch: {total / 1e6:.2f} s of operator time')
    return pd.DataFrame(rows)


def sample_task(args):
    """Load a saved synthesizer and sample from it: a whole process to time from outside."""
    from sdv.utils import load_synthesizer

    synthesizer = load_synthesizer(args.load)
    steps = args.sampling_steps
    synthetic, seconds = sample_with(synthesizer, args.rows, args.sampler, steps)
    log(f'{len(synthetic[ADULT_TABLE_NAME])} rows in {seconds:.2f} s ({args.sampler}, {steps})')
    return None


def to_markdown(frame):
    """A markdown table of ``frame``."""
    header = '| ' + ' | '.join(frame.columns) + ' |'
    rule = '|' + '---|' * len(frame.columns)
    body = ['| ' + ' | '.join(str(value) for value in row) + ' |' for row in frame.to_numpy()]
    return '\n'.join([header, rule, *body])


def main():
    """Run the tasks named on the command line and write their results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', default=['adult', 'small'], choices=TASKS)
    parser.add_argument('--systems', nargs='+', default=['missdiff', 'tabular_argn'])
    parser.add_argument('--sample-seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--fit-seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument(
        '--small-tables', nargs='+', default=['penguins', 'adult_500', 'bayesian_network_500']
    )
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--save', help='Where the adult task saves its fitted MissDiff.')
    parser.add_argument('--load', help='The saved synthesizer of the sample task.')
    parser.add_argument('--rows', type=int, default=16_000)
    parser.add_argument('--sampler', default='dpm++2m')
    parser.add_argument('--sampling-steps', type=int, default=None)
    parser.add_argument('--output', default=str(RESULTS))
    args = parser.parse_args()
    warnings.filterwarnings('ignore')
    torch.set_num_threads(args.threads)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    machine = f'{platform.machine()}, {torch.get_num_threads()} torch threads, device cpu'
    for task in args.tasks:
        log(f'task {task} ...')
        frame = globals()[f'{task}_task'](args)
        if frame is None:
            continue

        frame.to_csv(output / f'{task}.csv', index=False)
        settings = {key: value for key, value in vars(args).items() if key != 'output'}
        text = f'# {task}\n\nMachine: {machine}. Settings: `{json.dumps(settings)}`\n\n'
        (output / f'{task}.md').write_text(text + to_markdown(frame) + '\n')
        log(f'task {task}: written to {output}')


if __name__ == '__main__':
    main()
