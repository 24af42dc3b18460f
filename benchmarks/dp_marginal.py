"""Fit dpmm's differentially private marginal models (AIM, MST) on a CSV and sample from them.

A standalone peer for the benchmarks: it imports only ``dpmm``, pandas, numpy and the standard
library (not ``sdv_missdiff``, SDV or torch), because ``dpmm`` pins numpy 1.26.4 and pandas 2.1.0
and so lives in a virtual environment of its own::

    /work/.venv-dpmm/bin/python benchmarks/dp_marginal.py --system {aim,mst} --epsilon E
        --delta D --train TRAIN.csv --output SYN.csv --num-rows N --seed S [--metadata META.json]

It prints one JSON line on stdout: ``system``, ``epsilon``, ``fit_s``, ``sample_s`` (wall
seconds, ``time.perf_counter``) and ``notes``. Everything else (dpmm's warnings, its inference
prints) goes to stderr.

What dpmm does, with its own defaults (``dpmm.pipelines.AIMPipeline`` / ``MSTPipeline``, dpmm
0.1.9, read from its source):

- **Budget.** The pipeline spends ``proc_epsilon`` (default 0.1, pure epsilon-DP, Laplace) on
  discretising the numerical columns *on top of* the model's ``epsilon`` (the model is
  rho-zCDP, converted from ``(epsilon, delta)``). So that ``--epsilon`` is the end-to-end budget
  (basic composition), this script gives the model ``epsilon - 0.1`` and the discretiser dpmm's
  default 0.1; ``--epsilon-is-model-only`` passes ``--epsilon`` to the model unchanged, as dpmm's
  own examples do (total ``epsilon + 0.1``).
- **Numbers.** Each numerical column gets ``0.1 / (number of numerical columns)``. With no bounds
  given (none are: this script passes no domain), dpmm's PrivTree binner spends half of it on
  private bounds (``approx_bounds``: a Laplace-noised histogram over power-of-two bins,
  ``+-2**k``; the bounds are powers of two) and half on PrivTree's noisy splits, with at most
  ``ceil(2 * n**(1/3) * sigmoid(eps_column))`` bins (26 at 16,000 rows). Values outside the
  private bounds are clipped into the end bins. Sampling draws uniformly within a bin; dpmm rounds
  integer dtypes itself, but pandas reads an integer column with missing cells as float, so this
  script rounds the numerical columns whose observed training values are all whole numbers.
  Private bounds are dpmm's only option without public ones (which would go in ``fit``'s
  ``domain={column: {'lower': ..., 'upper': ...}}``; this script passes none). They are coarse:
  at epsilon ``0.1 / 6 / 2`` per bound a power-of-two bucket needs about 2,100-2,600 rows to
  count, so on Adult's 16,000 rows the tails are clipped (e.g. age to [16, 64], capital-gain and
  capital-loss to [0, 1], fnlwgt to one or two octaves), whatever the model's epsilon. The notes
  report the bounds and, as a non-private diagnostic, the share of observed values outside them.
- **Missing cells.** For every column with both missing and observed cells, dpmm adds a
  categorical indicator column ``<col>_NaN`` (domain ``[False, True]``) and fills the missing
  cells with one observed value of the column drawn at random; the indicator is modelled like any
  other column (it spends no budget of its own: it costs a share of the model's epsilon, as one
  more attribute in the marginals). Sampled rows whose indicator is True get NaN, written as an
  empty cell.
- **Not private in dpmm's defaults** (reported, not changed): the categories of each categorical
  column are read from the data (dpmm logs ``PrivacyLeakage``), as are which columns have missing
  cells, the fill value and constant columns.
- **AIM** keeps its own defaults (``rounds = 16 * number of attributes``, 1000 inference
  iterations per round, degree 2, ``max_cells`` 10,000); note that the pipeline passes
  ``max_model_size=None`` to AIM, which turns off AIM's 80 MB model cap (AIM's bound on its own
  run time). ``--max-model-size``, ``--rounds`` and ``--n-iters`` bound the run time; they are
  off (dpmm's defaults) unless given. On Adult the model stays far below 1 MB, so the size cap
  does not bind: the time goes to the 1000 inference iterations run after every round
  (``--n-iters``) times the number of rounds (set by the budget; ``--rounds`` plans fewer).
- **Seeds.** ``--seed`` seeds numpy's and Python's global generators and the RandomState dpmm
  threads through the binner, the model and the sampler; dpmm draws its DP noise through OpenDP
  (``make_laplace``, ``make_gaussian``), whose generator cannot be seeded, so two runs differ.
"""

import argparse
import contextlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from dpmm.pipelines import AIMPipeline, MSTPipeline

PIPELINES = {'aim': AIMPipeline, 'mst': MSTPipeline}
PROC_EPSILON = 0.1  # dpmm's MMPipeline default, spent on discretising numerical columns


def read_table(path, metadata):
    """Read the training CSV, categorical columns as text and numerical columns as numbers.

    Args:
        path (str):
            The CSV; empty cells are missing values.
        metadata (dict or None):
            ``{column: 'numerical' | 'categorical'}``, or ``None`` to let pandas infer the types.

    Returns:
        pandas.DataFrame:
            The table, with NaN where a cell is empty.
    """
    if metadata is None:
        return pd.read_csv(path)

    header = pd.read_csv(path, nrows=0).columns.tolist()
    unknown = [column for column in header if column not in metadata]
    if unknown:
        raise ValueError(f'Columns {unknown} of {path} are not in the metadata.')

    dtypes = {column: str for column in header if metadata[column] == 'categorical'}
    data = pd.read_csv(path, dtype=dtypes)
    for column in header:
        if metadata[column] == 'numerical':
            data[column] = pd.to_numeric(data[column]).astype(float)
        elif metadata[column] != 'categorical':
            raise ValueError(f'Unknown type {metadata[column]!r} for column {column!r}.')

    return data


def whole_number_columns(data):
    """Find the numerical columns whose observed values are all whole numbers.

    Args:
        data (pandas.DataFrame):
            The training table.

    Returns:
        list[str]:
            The names of those columns.
    """
    columns = []
    for column, series in data.items():
        observed = series.dropna()
        if series.dtype.kind in 'fiu' and len(observed) and (observed % 1 == 0).all():
            columns.append(column)

    return columns


def unbounded_columns(pipeline):
    """Find the numerical columns for which dpmm's private bound search found nothing.

    Args:
        pipeline (dpmm.pipelines.base.MMPipeline):
            The pipeline, after a failed ``fit``.

    Returns:
        list[str]:
            The columns whose bin edges are NaN.
    """
    binners = getattr(pipeline.proc, 'binners', None) or {}
    return [
        column
        for column, binner in binners.items()
        if binner.bins is not None and np.isnan(np.asarray(binner.bins, dtype=float)).any()
    ]


def build_pipeline(args):
    """Build dpmm's AIM or MST pipeline with dpmm's defaults but for the flags given.

    Args:
        args (argparse.Namespace):
            The parsed command line.

    Returns:
        tuple[dpmm.pipelines.base.MMPipeline, float]:
            The pipeline and the epsilon given to its generative model.
    """
    model_epsilon = args.epsilon if args.epsilon_is_model_only else args.epsilon - PROC_EPSILON
    if model_epsilon <= 0:
        raise ValueError(
            f'--epsilon {args.epsilon} leaves nothing for the model after the {PROC_EPSILON} '
            'dpmm spends on discretising; give a larger one or --epsilon-is-model-only.'
        )

    gen_kwargs = {}
    if args.rounds is not None:
        if args.system != 'aim':
            raise ValueError('--rounds applies to AIM only.')
        gen_kwargs['rounds'] = args.rounds
    if args.n_iters is not None:
        gen_kwargs['n_iters'] = args.n_iters

    options = {'epsilon': model_epsilon, 'delta': args.delta, 'gen_kwargs': gen_kwargs}
    if args.max_model_size is not None:
        options['max_model_size'] = args.max_model_size
    if args.n_jobs is not None:
        options['n_jobs'] = args.n_jobs

    return PIPELINES[args.system](**options), model_epsilon


def describe(pipeline, model_epsilon, args, train, rounded):
    """Summarise what dpmm did: budget split, bins and bounds, missing-value indicators.

    Args:
        pipeline (dpmm.pipelines.base.MMPipeline):
            The fitted pipeline.
        model_epsilon (float):
            The epsilon given to the generative model.
        args (argparse.Namespace):
            The parsed command line.
        train (pandas.DataFrame):
            The training table, for the share of its values outside the private bounds.
        rounded (list[str]):
            The numerical columns rounded to whole numbers after sampling.

    Returns:
        str:
            The notes of the JSON line.
    """
    binner = pipeline.proc
    spent = sum(value or 0.0 for value in binner.spent_epsilon.values())
    total = model_epsilon + spent
    overrides = {
        'rounds': args.rounds,
        'n_iters': args.n_iters,
        'max_model_size': args.max_model_size,
        'n_jobs': args.n_jobs,
    }
    overrides = [f'{name}={value}' for name, value in overrides.items() if value is not None]
    settings = 'defaults' if not overrides else 'defaults except ' + ', '.join(overrides)
    parts = [
        f'dpmm {args.system.upper()}Pipeline {settings}; model epsilon {model_epsilon:g} '
        f'(delta {args.delta:g}) + discretiser epsilon {spent:g} spent (PrivTree, '
        f'{len(binner.num_cols)} numerical columns) = {total:g} end-to-end'
    ]
    bins = []
    for column in binner.num_cols:
        edges = binner.binners[column].bins
        observed = train[column].dropna()
        outside = ((observed < edges[0]) | (observed > edges[-1])).mean()
        bins.append(
            f'{column} {len(edges) - 1} bins [{edges[0]:g}, {edges[-1]:g}] '
            f'({outside:.1%} of observed values outside)'
        )
    parts.append(
        'private bounds and bins (share outside: non-private diagnostic): ' + ', '.join(bins)
    )
    parts.append(
        f'{len(binner.nan_columns)} missing-value indicator columns added (modelled as '
        'attributes, no separate budget)'
    )
    parts.append(f'{len(pipeline.gen.generator.cliques)} marginals measured')
    if binner.static_columns:
        parts.append(f'constant columns (copied, not private): {sorted(binner.static_columns)}')
    if rounded:
        parts.append(f'rounded to whole numbers after sampling: {rounded}')
    parts.append(
        'not private in dpmm defaults: categories, which columns have missing cells and the '
        'missing-cell fill value are read from the data; DP noise from OpenDP is not seeded'
    )
    return '; '.join(parts)


def parse_args(argv=None):
    """Parse the command line.

    Args:
        argv (list[str] or None):
            The arguments; ``None`` reads ``sys.argv``.

    Returns:
        argparse.Namespace:
            The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--system', choices=sorted(PIPELINES), required=True)
    parser.add_argument(
        '--epsilon',
        type=float,
        required=True,
        help=f'end-to-end epsilon: the model gets epsilon - {PROC_EPSILON} (see '
        '--epsilon-is-model-only)',
    )
    parser.add_argument('--delta', type=float, required=True)
    parser.add_argument('--train', required=True, help='training CSV; empty cells are missing')
    parser.add_argument('--output', required=True, help='synthetic CSV to write')
    parser.add_argument('--num-rows', type=int, required=True)
    parser.add_argument('--seed', type=int, required=True)
    parser.add_argument(
        '--metadata', help="JSON {column: 'numerical' | 'categorical'}; default: pandas' types"
    )
    parser.add_argument(
        '--epsilon-is-model-only',
        action='store_true',
        help=f"give --epsilon to the model and spend dpmm's {PROC_EPSILON} for the bins on top "
        "(dpmm's own convention)",
    )
    parser.add_argument(
        '--max-model-size',
        type=float,
        help='cap on the model size in MB (dpmm pipeline default: none; AIM alone defaults to '
        "80): bounds AIM's run time",
    )
    parser.add_argument(
        '--rounds', type=int, help='AIM rounds (default: 16 x number of attributes)'
    )
    parser.add_argument(
        '--n-iters',
        type=int,
        help='inference iterations (default: AIM 1000 per round, MST 5000)',
    )
    parser.add_argument(
        '--n-jobs',
        type=int,
        help="worker processes (default: dpmm's -1, meaning CPU count - 1)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Fit, sample, write the synthetic CSV and print the JSON line.

    Args:
        argv (list[str] or None):
            The arguments; ``None`` reads ``sys.argv``.
    """
    args = parse_args(argv)
    random.seed(args.seed)
    np.random.seed(args.seed)

    metadata = None
    if args.metadata:
        metadata = json.loads(Path(args.metadata).read_text())

    train = read_table(args.train, metadata)
    rounded = whole_number_columns(train)
    pipeline, model_epsilon = build_pipeline(args)

    # dpmm's inference may print progress: keep stdout for the JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        start = time.perf_counter()
        try:
            pipeline.fit(train, random_state=args.seed)
        except ValueError as error:
            unbounded = unbounded_columns(pipeline)
            if unbounded:
                raise RuntimeError(
                    f'dpmm found no private bounds for {unbounded}: no power-of-two bucket '
                    'holds enough rows for its noisy bound search (about 2,100 at 6 numerical '
                    'columns), so its binning fails; use more rows.'
                ) from error
            raise

        fit_s = time.perf_counter() - start

        start = time.perf_counter()
        synthetic = pipeline.generate(n_records=args.num_rows, random_state=args.seed)
        sample_s = time.perf_counter() - start

    synthetic = synthetic[train.columns.tolist()]
    for column in rounded:
        synthetic[column] = synthetic[column].round().astype('Int64')

    synthetic.to_csv(args.output, index=False)
    record = {
        'system': args.system,
        'epsilon': args.epsilon,
        'fit_s': round(fit_s, 3),
        'sample_s': round(sample_s, 3),
        'notes': describe(pipeline, model_epsilon, args, train, rounded),
    }
    print(json.dumps(record))


if __name__ == '__main__':
    main()
