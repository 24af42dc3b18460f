"""Write the reference rows and pickles that ``tests/integration/test_reference_rows.py`` reads.

Run once at commit 2f0b758 (the last main before the options restructuring, package
0.1.0.dev0, torch 2.13.0 CPU, one thread):

    OMP_NUM_THREADS=1 python tests/data/make_reference.py

It fits two small synthesizers with fixed seeds, pickles them with SDV's ``save`` and writes the
rows that seeded calls return. The restructured code must give the same rows from the same seeds
(``fit`` included) and load the pickles. At 2f0b758 the options of ``SMALL`` were keyword
arguments of ``MissDiffSynthesizer`` itself; since then all but ``epochs`` go through
``model_options``, which is how this script passes them now.
"""

import pathlib
import sys

import numpy as np
import pandas as pd
import torch

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))

from sdv_missdiff import MissDiffSynthesizer  # noqa: E402
from tests.tables import (  # noqa: E402
    dependent_table_metadata,
    holes_table,
    structural_table,
    structural_table_metadata,
)

SMALL = {'denoiser_width': 32, 'denoiser_blocks': 1, 'sampling_precision': 'float32'}


def fit_mcar():
    torch.manual_seed(0)
    synthesizer = MissDiffSynthesizer(dependent_table_metadata(), epochs=30, model_options=SMALL)
    synthesizer.fit({'table': holes_table()})
    return synthesizer


def fit_learned():
    torch.manual_seed(1)
    synthesizer = MissDiffSynthesizer(
        structural_table_metadata(),
        epochs=30,
        missing_value_generation='learned',
        model_options=SMALL,
    )
    synthesizer.fit({'table': structural_table()})
    return synthesizer


def mcar_rows(synthesizer):
    """The rows of every seeded call the reference pins, by name."""
    rows = {}
    synthesizer.set_random_state(0)
    rows['sample'] = synthesizer.sample(40)['table']
    synthesizer.set_random_state(1)
    known = pd.DataFrame({'color': ['red'] * 5 + ['blue'] * 5, 'x': np.linspace(-1, 1, 10)})
    rows['remaining'] = synthesizer.sample_remaining_columns(known)['table']
    table = holes_table()
    synthesizer.set_random_state(2)
    rows['impute'] = synthesizer.impute({'table': table})['table']
    synthesizer.set_random_state(3)
    rows['best_guess'] = synthesizer.impute({'table': table}, point_estimate=True, num_draws=4)[
        'table'
    ]
    return rows


def learned_rows(synthesizer):
    synthesizer.set_random_state(0)
    return {'sample': synthesizer.sample(60)['table']}


def main():
    torch.set_num_threads(1)
    runs = (('mcar', fit_mcar, mcar_rows), ('learned', fit_learned, learned_rows))
    for name, fit, rows_of in runs:
        synthesizer = fit()
        synthesizer.save(str(HERE / f'reference_{name}.pkl'))
        for call, rows in rows_of(synthesizer).items():
            rows.to_csv(HERE / f'reference_{name}_{call}.csv', index=False)


if __name__ == '__main__':
    main()
