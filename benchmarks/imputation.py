"""Imputation benchmark on Adult with MCAR holes: MissDiff against classic imputers.

Every method sees the same masked training table and fills its holes; the scores are computed on
the hidden cells only, against the complete table:

- ``nrmse``: for each numerical column, the RMSE over its hidden cells divided by the column's
  range (max - min) in the complete table (min-max normalisation, as the MissDiff paper), then
  averaged over the numerical columns.
- ``accuracy``: for each categorical column, the share of hidden cells filled with the true
  category, averaged over the categorical columns.

Methods:
- ``mean``: column mean (numbers) and mode (categories).
- ``mice`` and ``missforest``: chained equations written with scikit-learn (``sklearn``'s
  ``IterativeImputer`` only has regressors, and on one-hot blocks it learns that a block sums
  to one, so every hidden category comes back as the column mode). Start from the mean/mode
  fill, then ``--sweeps`` sweeps over the columns with holes, least missing first; each column
  is refitted on its observed rows from the current fill of the others and its holes are
  re-predicted. MICE: ``BayesianRidge`` (numbers) and ``LogisticRegression(max_iter=50)``
  (categories) on standardised numbers and one-hot categories. MissForest (Stekhoven and
  Buehlmann 2012):
  ``RandomForestRegressor`` / ``RandomForestClassifier`` with ``--forest-trees`` trees and
  ``min_samples_leaf=2`` on standardised numbers and ordinal category codes.
- ``forestdiffusion``: ``ForestDiffusionModel(diffusion_type='vp').impute`` (optional package;
  recorded as 'not installed' when missing). Its own categorical handling folds a missing
  category into the first level, so categories are one-hot encoded here (a missing category is
  a NaN block) and passed as numbers; the imputed block is argmaxed back. It is slow on CPU, so
  it runs on the first ``--subset-rows`` rows only and every method is also scored on those rows.
- ``tabular_argn``: MOSTLY AI's TabularARGN (optional ``mostlyai-engine``, its defaults) fitted
  on the masked table, then one ``impute`` draw per cell. ``tabular_argn_point``: the mean
  (numbers) or most frequent value (categories) of ``--draws`` draws, pooled by
  :class:`sdv_missdiff.benchmark.adapters.TabularARGNSystem` (the engine's own ``agg_fn='mode'``
  truncates category names); it is slow on CPU, so it fills the first ``--subset-rows`` rows.
- ``missdiff``: ``MissDiffSynthesizer`` with its defaults (unless ``--epochs``, ``--width`` ...
  say otherwise) fitted on the masked table (it learns from the holes),
  then ``impute`` with its defaults: one draw per cell. ``missdiff_point``: ``impute(...,
  point_estimate=True, num_draws=--draws)``, the mean (numbers) or most frequent value
  (categories) of several draws, the kind of fill the other methods give. ``missdiff_repaint``:
  one draw with RePaint resampling (``num_resamples`` = ``--resamples``);
  ``missdiff_point_repaint``: both.

With ``--append``, the rows of methods not run now are kept from the earlier ``imputation.csv``
(and the earlier conditional and timing tables when those are not re-run), so one method can be
added to a committed run. Hand-written analysis lives in ``NOTES.md`` next to the results.

Then, with ``--conditional``: SDMetrics quality of 2,000 rows sampled with income fixed to
'>50K' against the real '>50K' rows, for each ``--guidance`` scale, next to the quality of
2,000 unconditional rows against the complete table; with ``--time-rows``: wall time of
``impute`` on that many rows, default torch threads, with the load average.

Example::

    python benchmarks/imputation.py --rows 16000 --rate 0.2 --seeds 0 --epochs 100
"""

import argparse
import inspect
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from sdv_missdiff.datasets import (
    ADULT_CATEGORICAL_COLUMNS,
    ADULT_NUMERICAL_COLUMNS,
    get_adult_metadata,
    load_adult_split,
)
from sdv_missdiff.missingness import simulate_missing

RESULTS = Path(__file__).parent / 'results' / 'imputation'
METHODS = (
    'mean',
    'mice',
    'missforest',
    'forestdiffusion',
    'missdiff',
    'missdiff_point',
    'missdiff_repaint',
    'missdiff_point_repaint',
    'tabular_argn',
    'tabular_argn_point',
)
# Draws pooled by tabular_argn_point without --draws: the figure for its best guess.
PEER_POINT_DRAWS = 10
# Methods too slow on this CPU for every row: they fill the first --subset-rows rows only.
SUBSET_METHODS = ('forestdiffusion', 'tabular_argn_point')
NUMERICAL = list(ADULT_NUMERICAL_COLUMNS)
CATEGORICAL = list(ADULT_CATEGORICAL_COLUMNS)
DEFAULT_THREADS = torch.get_num_threads()


def log(message):
    """Print a timestamped progress line."""
    print(f'[{time.strftime("%H:%M:%S")}] {message}', flush=True)


# -- metrics ------------------------------------------------------------------------------
def score(complete, masked, imputed, rows=None):
    """Normalised RMSE (numbers) and accuracy (categories) over the hidden cells."""
    if rows is not None:
        complete, masked, imputed = complete.iloc[rows], masked.iloc[rows], imputed.iloc[rows]

    errors = []
    for column in NUMERICAL:
        hidden = masked[column].isna().to_numpy()
        truth = complete[column].to_numpy(dtype=float)
        guess = imputed[column].to_numpy(dtype=float)
        spread = truth.max() - truth.min()
        rmse = np.sqrt(np.mean((guess[hidden] - truth[hidden]) ** 2))
        errors.append(rmse / spread)

    accuracies = []
    for column in CATEGORICAL:
        hidden = masked[column].isna().to_numpy()
        truth = complete[column].to_numpy()[hidden]
        accuracies.append(float(np.mean(imputed[column].to_numpy()[hidden] == truth)))

    return float(np.mean(errors)), float(np.mean(accuracies))


# -- encodings shared by the baselines ------------------------------------------------------
def one_hot(masked):
    """Standardised numbers and one-hot categories; a missing category is a NaN block."""
    blocks, spans, stats = [], {}, {}
    start = 0
    for column in NUMERICAL:
        values = masked[column].to_numpy(dtype=float)
        mean, std = np.nanmean(values), np.nanstd(values) or 1.0
        stats[column] = (mean, std)
        blocks.append(((values - mean) / std)[:, None])
        spans[column] = (start, start + 1)
        start += 1

    levels = {}
    for column in CATEGORICAL:
        levels[column] = sorted(masked[column].dropna().unique())
        codes = pd.Categorical(masked[column], categories=levels[column]).codes
        block = np.zeros((len(masked), len(levels[column])))
        block[np.flatnonzero(codes >= 0), codes[codes >= 0]] = 1.0
        block[codes < 0] = np.nan
        blocks.append(block)
        spans[column] = (start, start + len(levels[column]))
        start += len(levels[column])

    return np.concatenate(blocks, axis=1), spans, stats, levels


def from_one_hot(array, masked, spans, stats, levels):
    """Decode ``one_hot`` output and keep the observed cells."""
    decoded = masked.copy()
    for column in NUMERICAL:
        mean, std = stats[column]
        values = array[:, spans[column][0]] * std + mean
        decoded[column] = masked[column].where(masked[column].notna(), values)

    for column in CATEGORICAL:
        start, stop = spans[column]
        chosen = np.asarray(levels[column], dtype=object)[array[:, start:stop].argmax(axis=1)]
        decoded[column] = masked[column].where(masked[column].notna(), chosen)

    return decoded


# -- baselines ------------------------------------------------------------------------------
def impute_mean(masked, args):
    """Fill with the column mean (numbers) or mode (categories)."""
    imputed = masked.copy()
    for column in NUMERICAL:
        imputed[column] = masked[column].fillna(masked[column].mean())

    for column in CATEGORICAL:
        imputed[column] = masked[column].fillna(masked[column].mode().iloc[0])

    return imputed


def chained_equations(masked, args, make_model, one_hot_inputs, name):
    """Fill every column with holes from the others, sweep after sweep (MICE / MissForest).

    Starts from the mean/mode fill, then sweeps ``args.sweeps`` times over the columns with
    holes, least missing first: each column's model is refitted on its observed rows, using the
    current fill of every other column as inputs, and re-predicts its holes.
    """
    levels = {column: sorted(masked[column].dropna().unique()) for column in CATEGORICAL}
    codes = pd.DataFrame(index=masked.index)
    current = impute_mean(masked, args)
    for column in NUMERICAL:
        values = current[column].astype(float)
        codes[column] = (values - values.mean()) / values.std()

    for column in CATEGORICAL:
        codes[column] = pd.Categorical(current[column], categories=levels[column]).codes

    holes = masked.isna()
    order = [column for column in holes.sum().sort_values().index if holes[column].any()]
    for sweep in range(args.sweeps):
        for column in order:
            hidden = holes[column].to_numpy()
            others = codes.drop(columns=column)
            if one_hot_inputs:
                categorical = [other for other in CATEGORICAL if other != column]
                others = pd.get_dummies(others, columns=categorical, dtype=float)

            inputs = others.to_numpy(dtype=float)
            model = make_model(column in NUMERICAL, args.seed + sweep)
            model.fit(inputs[~hidden], codes[column].to_numpy()[~hidden])
            codes.loc[hidden, column] = model.predict(inputs[hidden])

        log(f'  {name} sweep {sweep + 1}/{args.sweeps} done')

    imputed = masked.copy()
    for column in NUMERICAL:
        values = masked[column].astype(float)
        restored = codes[column] * current[column].std() + current[column].mean()
        imputed[column] = values.where(~holes[column], restored)

    for column in CATEGORICAL:
        chosen = np.asarray(levels[column], dtype=object)[codes[column].to_numpy(dtype=int)]
        imputed[column] = masked[column].where(~holes[column], chosen)

    return imputed


def impute_mice(masked, args):
    """MICE: BayesianRidge (numbers) and logistic regression (categories), one-hot inputs."""
    from sklearn.linear_model import BayesianRidge, LogisticRegression

    def make_model(numerical, seed):
        if numerical:
            return BayesianRidge()

        return LogisticRegression(max_iter=50)

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # ConvergenceWarning of the logistic regressions
        return chained_equations(masked, args, make_model, True, 'mice')


def impute_missforest(masked, args):
    """MissForest: random forests (regressor or classifier), categories as ordinal codes."""
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    def make_model(numerical, seed):
        model = RandomForestRegressor if numerical else RandomForestClassifier
        return model(
            n_estimators=args.forest_trees, min_samples_leaf=2, n_jobs=1, random_state=seed
        )

    return chained_equations(masked, args, make_model, False, 'missforest')


def impute_forestdiffusion(masked, args):
    """ForestDiffusion's VP impute on one-hot data."""
    from ForestDiffusion import ForestDiffusionModel

    array, spans, stats, levels = one_hot(masked)
    model = ForestDiffusionModel(
        array,
        n_t=args.forest_steps,
        duplicate_K=args.forest_duplicates,
        n_estimators=args.forest_trees,
        diffusion_type='vp',
        n_jobs=1,
        seed=args.seed,
    )
    filled = model.impute(k=1)
    # ForestDiffusion min-max unscales; bring its output back to the standardised one-hot space.
    return from_one_hot(filled, masked, spans, stats, levels)


def fit_missdiff(masked, args):
    """Fit MissDiff on the masked table; return it and the fit time."""
    from sdv_missdiff.benchmark.runner import fit_system
    from sdv_missdiff.benchmark.systems import make_system

    given = {
        'epochs': args.epochs,
        'batch_size': args.batch_size,
        'denoiser_width': args.width,
        'denoiser_blocks': args.blocks,
        'conditional_share': args.conditional_share,
    }
    # Only what the command line sets: the rest are MissDiffSynthesizer's own defaults.
    settings = {name: value for name, value in given.items() if value is not None}
    system = make_system('missdiff', get_adult_metadata(), 'adult', settings)
    seconds = fit_system(system, masked, args.seed)
    return system.synthesizer, seconds


def fit_tabular_argn(masked, args):
    """Fit TabularARGN (``mostlyai-engine``, its defaults) on the masked table; time it."""
    from sdv_missdiff.benchmark.runner import fit_system
    from sdv_missdiff.benchmark.systems import make_system

    system = make_system('tabular_argn', get_adult_metadata(), 'adult')
    seconds = fit_system(system, masked, args.seed)
    return system, seconds


# -- stages ---------------------------------------------------------------------------------
def run_seed(seed, args, methods):
    """Mask one draw of Adult and score every method on it."""
    args.seed = seed
    complete, _ = load_adult_split(args.rows, 4000, seed=seed)
    masked, _ = simulate_missing(complete, 'mcar_independent', args.rate, seed=seed)
    log(f'seed {seed}: {len(masked)} rows, {masked.isna().to_numpy().mean():.3f} cells hidden')
    forest_rows = np.arange(min(args.forest_rows, len(masked)))
    rows, synthesizer, peer = [], None, None
    for method in methods:
        log(f'seed {seed}: {method} ...')
        start = time.perf_counter()
        extra = {}
        if method == 'forestdiffusion':
            try:
                import ForestDiffusion  # noqa: F401
            except ImportError:
                rows.append({'seed': seed, 'method': method, 'status': 'not installed'})
                continue

            subset = masked.iloc[forest_rows].reset_index(drop=True)
            imputed = impute_forestdiffusion(subset, args)
            imputed = pd.concat([imputed, masked.iloc[len(subset) :]])
            imputed.index = masked.index
            seconds = time.perf_counter() - start
        elif method.startswith('tabular_argn'):
            try:
                import mostlyai.engine  # noqa: F401
            except ImportError:
                rows.append({'seed': seed, 'method': method, 'status': 'not installed'})
                continue

            if peer is None:
                peer, peer_fit_seconds = fit_tabular_argn(masked, args)
                log(f'seed {seed}: TabularARGN fitted in {peer_fit_seconds:.0f} s')

            start = time.perf_counter()
            draws = 1
            if method == 'tabular_argn_point':
                draws = args.draws or PEER_POINT_DRAWS
            if method in SUBSET_METHODS:
                subset = masked.iloc[forest_rows]
                imputed = pd.concat(
                    [peer.impute(subset, num_draws=draws), masked.iloc[len(subset) :]]
                )
            else:
                imputed = peer.impute(masked, num_draws=draws)

            seconds = time.perf_counter() - start
            extra = {'fit_seconds': round(peer_fit_seconds, 1), 'num_draws': draws}
        elif method.startswith('missdiff'):
            if synthesizer is None:
                synthesizer, fit_seconds = fit_missdiff(masked, args)
                log(f'seed {seed}: MissDiff fitted in {fit_seconds:.0f} s')

            start = time.perf_counter()
            resamples = args.resamples if method.endswith('_repaint') else 1
            point = method.startswith('missdiff_point')
            synthesizer.reset_sampling()
            # Without --draws, the best guess pools as many draws as impute does by default.
            draws = {'num_draws': args.draws} if args.draws else {}
            imputed = synthesizer.impute(
                masked, num_resamples=resamples, point_estimate=point, **draws
            )
            seconds = time.perf_counter() - start
            default_draws = inspect.signature(synthesizer.impute).parameters['num_draws'].default
            extra = {
                'fit_seconds': round(fit_seconds, 1),
                'num_resamples': resamples,
                'num_draws': (args.draws or default_draws) if point else 1,
            }
        else:
            imputed = globals()[f'impute_{method}'](masked, args)
            seconds = time.perf_counter() - start

        filled = imputed.iloc[forest_rows] if method in SUBSET_METHODS else imputed
        if filled[NUMERICAL + CATEGORICAL].isna().any().any():
            rows.append({'seed': seed, 'method': method, 'status': 'failed: NaN in output'})
            log(f'seed {seed}: {method} left NaN in its output')
            continue

        row = {'seed': seed, 'method': method, 'status': 'ok', 'seconds': round(seconds, 1)}
        if method not in SUBSET_METHODS:
            row['nrmse'], row['accuracy'] = score(complete, masked, imputed)

        row['nrmse_forest_rows'], row['accuracy_forest_rows'] = score(
            complete, masked, imputed, forest_rows
        )
        row.update(extra)
        rows.append(row)
        log(f'seed {seed}: {row}')

    return rows, synthesizer, complete, masked


def conditional_fidelity(synthesizer, complete, guidance_scales, num_rows=2000):
    """Quality of income='>50K' samples for each guidance scale, next to unconditional ones."""
    from sdv.sampling import Condition

    from sdv_missdiff.evaluation import quality_scores

    metadata = get_adult_metadata()
    synthesizer.reset_sampling()
    unconditional = synthesizer.sample(num_rows)['adult']
    unconditional_quality = quality_scores(complete, unconditional, metadata)['quality']
    real_high = complete[complete['income'] == '>50K']
    results = []
    for scale in guidance_scales:
        synthesizer.reset_sampling()
        start = time.perf_counter()
        conditioned = synthesizer.sample_from_conditions(
            [Condition({'income': '>50K'}, num_rows)], guidance_scale=scale
        )['adult']
        seconds = time.perf_counter() - start
        quality = quality_scores(real_high, conditioned, metadata)['quality']
        results.append(
            {
                'rows': num_rows,
                'guidance_scale': scale,
                'unconditional_quality': unconditional_quality,
                'conditional_quality': quality,
                'gap': unconditional_quality - quality,
                'condition_held': bool((conditioned['income'] == '>50K').all()),
                'sampling_seconds': round(seconds, 1),
                'real_high_income_rows': len(real_high),
            }
        )
        log(f'{results[-1]}')

    return results


def time_imputation(synthesizer, masked, num_rows):
    """Time one completion of ``num_rows`` rows with the default thread count."""
    torch.set_num_threads(DEFAULT_THREADS)
    table = masked.iloc[:num_rows]
    synthesizer.impute(table.head(50))  # warm-up
    start = time.perf_counter()
    synthesizer.impute(table)
    seconds = time.perf_counter() - start
    return {
        'rows': len(table),
        'hidden_cells': int(table.isna().to_numpy().sum()),
        'seconds': round(seconds, 2),
        'torch_threads': torch.get_num_threads(),
        'load_average_1_5_15': ' / '.join(f'{value:.2f}' for value in os.getloadavg()),
        # impute takes ancestral steps around the known cells (its own default when None).
        'sampling_steps': len(synthesizer._model.make_sampler(known=True).timesteps),
    }


def to_markdown(frame):
    """Render a DataFrame as a GitHub markdown table (no tabulate dependency)."""

    def cell(value):
        if isinstance(value, float):
            return 'nan' if np.isnan(value) else f'{value:.4f}'

        return str(value)

    header = '| ' + ' | '.join(map(str, frame.columns)) + ' |'
    rule = '|' + '|'.join('---' for _ in frame.columns) + '|'
    body = [
        '| ' + ' | '.join(cell(value) for value in row) + ' |' for row in frame.itertuples(False)
    ]
    return '\n'.join([header, rule, *body])


def write_readme(results, conditional, timing, args):
    """Write the markdown summary."""
    output = Path(args.output)
    settings = {key: value for key, value in vars(args).items() if key != 'commands'}
    table = results.copy()
    columns = [
        'method',
        'status',
        'nrmse',
        'accuracy',
        'nrmse_forest_rows',
        'accuracy_forest_rows',
        'seconds',
    ]
    numeric = [column for column in columns[2:] if column in table]
    summary = table.groupby(['method', 'status'], sort=False)[numeric].mean().reset_index()
    lines = [
        f'# Imputation benchmark: Adult, MCAR holes at rate {args.rate}',
        '',
        'Commands (in this order; `--append` keeps the rows of the methods it does not run):',
        '',
        '```',
        *args.commands,
        '```',
        '',
        f'Settings: {settings}. Machine: {platform.platform()}, {os.cpu_count()} CPUs '
        f'(shared). Baselines and MissDiff training ran with {args.threads} torch/BLAS thread(s).',
        '',
        '`nrmse`: per numerical column, RMSE over the hidden cells divided by the column range '
        '(max - min of the complete table), averaged over the 6 numerical columns (lower is '
        'better). `accuracy`: share of hidden categorical cells filled with the true category, '
        'averaged over the 9 categorical columns (higher is better). `*_forest_rows`: the same on '
        f'the first {args.forest_rows} rows only, the subset ForestDiffusion and '
        f'tabular_argn_point fill. Means over '
        f'seeds {args.seeds}; per-seed rows in `imputation.csv`.',
        '',
        to_markdown(summary),
        '',
    ]
    if conditional is not None:
        lines += [
            '## Conditional fidelity (income fixed to >50K)',
            '',
            to_markdown(pd.DataFrame(conditional)),
            '',
        ]

    if timing is not None:
        lines += [
            '## Imputation time (one completion, default steps)',
            '',
            to_markdown(pd.DataFrame([timing])),
            '',
        ]

    if (output / 'NOTES.md').exists():
        lines += ['Analysis, diagnostics and earlier runs: [NOTES.md](NOTES.md).', '']

    (output / 'README.md').write_text('\n'.join(lines))


def _with_earlier_results(results, earlier, conditional, timing, output):
    """Add the committed rows of methods (and tables) that this run did not redo."""
    if earlier is not None:
        earlier = earlier[~earlier['method'].isin(results['method'])]
        results = pd.concat([earlier, results], ignore_index=True)

    if conditional is None and (output / 'conditional.csv').exists():
        conditional = pd.read_csv(output / 'conditional.csv').to_dict('records')

    if timing is None and (output / 'timing.csv').exists():
        timing = pd.read_csv(output / 'timing.csv').to_dict('records')[0]

    return results, conditional, timing


def main():
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=16_000, help='training rows (default 16000)')
    parser.add_argument('--rate', type=float, default=0.2, help='MCAR rate (default 0.2)')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0], help='seeds (default 0)')
    parser.add_argument('--epochs', type=int, help='MissDiff epochs (default: its own)')
    parser.add_argument('--batch-size', type=int, help='MissDiff batch size (default: its own)')
    parser.add_argument('--width', type=int, help='MissDiff denoiser width (default: its own)')
    parser.add_argument('--blocks', type=int, help='MissDiff denoiser blocks (default: its own)')
    parser.add_argument('--resamples', type=int, default=5, help='RePaint resamples (default 5)')
    parser.add_argument(
        '--draws',
        type=int,
        help=f"draws pooled by missdiff_point (default: impute's own) and tabular_argn_point "
        f'(default {PEER_POINT_DRAWS})',
    )
    parser.add_argument(
        '--conditional-share', type=float, help='MissDiff conditional_share (default: its own)'
    )
    parser.add_argument(
        '--guidance', type=float, nargs='+', default=[0.0, 1.0, 2.0], help='guidance scales'
    )
    parser.add_argument('--methods', nargs='+', default=list(METHODS), choices=METHODS)
    parser.add_argument(
        '--forest-rows',
        '--subset-rows',
        dest='forest_rows',
        type=int,
        default=2000,
        help='rows filled by ForestDiffusion and tabular_argn_point (default 2000)',
    )
    parser.add_argument('--forest-steps', type=int, default=20, help='ForestDiffusion n_t')
    parser.add_argument('--forest-duplicates', type=int, default=10, help='ForestDiffusion K')
    parser.add_argument('--forest-trees', type=int, default=50, help='trees per forest')
    parser.add_argument('--sweeps', type=int, default=5, help='MICE/MissForest sweeps')
    parser.add_argument('--conditional', action='store_true', help='conditional fidelity')
    parser.add_argument('--time-rows', type=int, default=0, help='time impute on these rows')
    parser.add_argument('--threads', type=int, default=1, help='torch threads for fitting')
    parser.add_argument(
        '--append', action='store_true', help='keep earlier rows of the methods not run now'
    )
    parser.add_argument(
        '--output',
        help='results folder (default: results/imputation for rate 0.2, '
        'results/imputation_mcar_RATE otherwise)',
    )
    args = parser.parse_args()
    if args.output is None:
        folder = 'imputation' if args.rate == 0.2 else f'imputation_mcar_{args.rate}'
        args.output = str(RESULTS.parent / folder)

    torch.set_num_threads(args.threads)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    earlier = None
    commands = []
    if args.append and (output / 'imputation.csv').exists():
        earlier = pd.read_csv(output / 'imputation.csv')
        if (output / 'commands.txt').exists():
            commands = (output / 'commands.txt').read_text().splitlines()

    args.commands = [*commands, 'python ' + ' '.join(sys.argv)]
    (output / 'commands.txt').write_text('\n'.join(args.commands) + '\n')
    all_rows, conditional, timing = [], None, None
    for seed in args.seeds:
        rows, synthesizer, complete, masked = run_seed(seed, args, args.methods)
        all_rows += rows
        partial = pd.DataFrame(all_rows)
        if earlier is not None:
            partial = pd.concat([earlier[~earlier['method'].isin(partial['method'])], partial])

        partial.to_csv(output / 'imputation.csv', index=False)
        if synthesizer is not None and seed == args.seeds[0]:
            if args.conditional:
                log('conditional fidelity ...')
                conditional = conditional_fidelity(synthesizer, complete, args.guidance)
                pd.DataFrame(conditional).to_csv(output / 'conditional.csv', index=False)

            if args.time_rows:
                log(f'timing impute on {args.time_rows} rows ...')
                timing = time_imputation(synthesizer, masked, args.time_rows)
                pd.DataFrame([timing]).to_csv(output / 'timing.csv', index=False)
                log(f'{timing}')
                torch.set_num_threads(args.threads)

    args.seed = args.seeds[0]
    results = pd.DataFrame(all_rows)
    if args.append:
        results, conditional, timing = _with_earlier_results(
            results, earlier, conditional, timing, output
        )
        results.to_csv(output / 'imputation.csv', index=False)

    write_readme(results, conditional, timing, args)
    log(f'wrote {output}')


if __name__ == '__main__':
    main()
