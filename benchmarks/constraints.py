"""SDV constraints with MissDiff on Adult with holes: quality, holes and validity of the samples.

Setting: the first ``--rows`` complete Adult training rows (seed 0), 20% of the cells hidden
MCAR-independently. MissDiff (defaults) is fitted without a constraint and with each of two SDV
constraints that hold on Adult: ``FixedCombinations(['marital-status', 'relationship'])`` (a
'Never-married' 'Husband' never occurs) and ``Inequality('education-num', 'age')``. Each run
samples as many rows as it trained on and reports the SDMetrics quality against the complete
rows, the share of missing cells in the samples and the share of rows that hold the
constraint.

Usage::

    python -m benchmarks.constraints --rows 4000

Results go to ``benchmarks/results/constraints/`` (``results.csv`` and ``README.md``).
"""

import argparse
import warnings
from pathlib import Path

import pandas as pd
import torch
from sdv.cag import FixedCombinations, Inequality

from sdv_missdiff.benchmark.runner import fit_system, sample_system
from sdv_missdiff.benchmark.systems import make_system
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation import quality_scores
from sdv_missdiff.missingness import simulate_missing

RESULTS = Path(__file__).parent / 'results' / 'constraints'
CONSTRAINTS = {
    'none': lambda: [],
    'fixed_combinations': lambda: [
        FixedCombinations(column_names=['marital-status', 'relationship'])
    ],
    'inequality': lambda: [Inequality(low_column_name='education-num', high_column_name='age')],
}


def _holds(name, sampled, complete):
    if name == 'fixed_combinations':
        pairs = ['marital-status', 'relationship']
        real = set(map(tuple, complete[pairs].drop_duplicates().to_numpy()))
        return sampled[pairs].apply(tuple, axis=1).isin(real).mean()

    if name == 'inequality':
        return (sampled['education-num'] <= sampled['age']).mean()

    return float('nan')


def main(argv=None):
    """Fit, sample and score MissDiff with each constraint; write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=4_000)
    parser.add_argument('--rate', type=float, default=0.2)
    parser.add_argument('--constraints', nargs='+', choices=list(CONSTRAINTS), default=None)
    parser.add_argument('--label', default='this version', help='name of the code version')
    parser.add_argument('--output', default=str(RESULTS))
    args = parser.parse_args(argv)
    warnings.filterwarnings('ignore')
    torch.set_num_threads(1)

    complete, _ = load_adult_split(num_train_rows=args.rows, num_test_rows=0, seed=0)
    observed, _ = simulate_missing(complete, 'mcar_independent', args.rate, seed=0)
    rows = []
    for name in args.constraints or list(CONSTRAINTS):
        system = make_system('missdiff', get_adult_metadata(), ADULT_TABLE_NAME)
        constraints = CONSTRAINTS[name]()
        if constraints:
            system.synthesizer.add_constraints(constraints)

        fit_seconds = fit_system(system, observed, seed=0)
        sampled, _ = sample_system(system, len(observed))
        quality = quality_scores(complete, sampled, get_adult_metadata())['quality']
        rows.append(
            {
                'version': args.label,
                'constraint': name,
                'quality': quality,
                'missing_cells_in_samples': sampled.isna().to_numpy().mean(),
                'rows_holding_constraint': _holds(name, sampled, complete),
                'fit_s_one_thread': fit_seconds,
            }
        )
        print(rows[-1], flush=True)

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results = pd.DataFrame(rows)
    path = output / 'results.csv'
    if path.exists():
        earlier = pd.read_csv(path)
        earlier = earlier[earlier['version'] != args.label]
        results = pd.concat([earlier, results], ignore_index=True)

    results.to_csv(path, index=False)
    print(results.round(4).to_string(index=False))


if __name__ == '__main__':
    main()
