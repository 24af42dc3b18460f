"""Sharp conditionals: MissDiff variants on the Adult proxy, one line of numbers each.

Setting: Adult, ``--rows`` complete training rows (4,000 for the proxy, 16,000 to confirm) and
1,000 (4,000) test rows, seed 0, 20% of the cells hidden MCAR-independently. Each variant is a
set of ``MissDiffSynthesizer`` arguments and options by name (options go to ``model_options``,
``sdv_missdiff.benchmark.systems.missdiff_arguments``); for each the script fits, then measures

- quality, column shapes and pair trends (SDMetrics, against the complete rows) and XGBoost
  accuracy of as many synthetic rows (trained on them, tested on the real test rows);
- ``wife_female_g<w>``: share of 'Female' among 1,000 rows sampled with
  ``relationship='Wife'`` at guidance scale ``w`` (the real share is printed once), and
  ``rich_quality_g<w>``: SDMetrics quality of 2,000 rows sampled with ``income='>50K'`` against
  the real '>50K' rows;
- imputation of the masked training table: one draw and the best guess of 10 draws, nRMSE of
  the numbers and accuracy of the categories over the hidden cells (``benchmarks/imputation.py``
  score);
- fit, sample and imputation seconds on this machine.

Usage::

    python -m benchmarks.conditionals --variant "" --variant "categorical_diffusion='gaussian'"

Each variant appends one JSON line to ``<output>/results.jsonl``.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import torch

from benchmarks.imputation import score
from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.benchmark.systems import missdiff_arguments
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation import quality_scores, score_synthetic
from sdv_missdiff.missingness import simulate_missing

GUIDANCE_SCALES = (0.0, 0.5, 1.0)


def measure(arguments, complete, observed, test, seed=0):
    """Fit one variant and return its numbers."""
    from sdv.sampling import Condition

    metadata = get_adult_metadata()
    torch.manual_seed(seed)
    synthesizer = MissDiffSynthesizer(metadata, **missdiff_arguments(arguments))
    start = time.perf_counter()
    synthesizer.fit({ADULT_TABLE_NAME: observed})
    row = {'variant': arguments, 'rows': len(complete), 'fit_s': time.perf_counter() - start}
    synthesizer.set_random_state(seed)
    start = time.perf_counter()
    synthetic = synthesizer.sample(len(complete))[ADULT_TABLE_NAME]
    row['sample_s'] = time.perf_counter() - start
    row.update(score_synthetic(complete, synthetic, metadata, test, 'income', seed=seed))
    for scale in GUIDANCE_SCALES:
        synthesizer.set_random_state(seed)
        wives = synthesizer.sample_from_conditions(
            [Condition({'relationship': 'Wife'}, 1000)], guidance_scale=scale
        )
        row[f'wife_female_g{scale}'] = float((wives[ADULT_TABLE_NAME]['sex'] == 'Female').mean())
        synthesizer.set_random_state(seed)
        rich = synthesizer.sample_from_conditions(
            [Condition({'income': '>50K'}, 2000)], guidance_scale=scale
        )[ADULT_TABLE_NAME]
        real_rich = complete[complete['income'] == '>50K']
        row[f'rich_quality_g{scale}'] = quality_scores(real_rich, rich, metadata)['quality']
    for name, settings in (('impute', {}), ('best', {'point_estimate': True})):
        synthesizer.set_random_state(seed)
        start = time.perf_counter()
        imputed = synthesizer.impute(observed, **settings)
        row[f'{name}_s'] = time.perf_counter() - start
        row[f'{name}_nrmse'], row[f'{name}_accuracy'] = score(complete, observed, imputed)

    return {key: round(v, 4) if isinstance(v, float) else v for key, v in row.items()}


def main(argv=None):
    """Run every ``--variant`` and append its numbers to ``<output>/results.jsonl``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--variant', action='append', default=[], help='MissDiff arguments')
    parser.add_argument('--rows', type=int, default=4_000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--output', default='benchmarks/results/conditionals')
    args = parser.parse_args(argv)
    warnings.filterwarnings('ignore')
    test_rows = 1_000 if args.rows <= 4_000 else 4_000
    complete, test = load_adult_split(args.rows, test_rows, seed=args.seed)
    observed, _ = simulate_missing(complete, 'mcar_independent', 0.2, seed=args.seed)
    wives = complete[complete['relationship'] == 'Wife']
    print(f"real share 'Female' among {len(wives)} wives: {(wives['sex'] == 'Female').mean():.4f}")
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    for variant in args.variant or ['']:
        arguments = eval(f'dict({variant})')  # noqa: S307 - the command line of a benchmark
        row = measure(arguments, complete, observed, test, args.seed)
        print(json.dumps(row), flush=True)
        with open(output / 'results.jsonl', 'a') as results:
            results.write(json.dumps(row) + '\n')


if __name__ == '__main__':
    main()
