"""Benchmark data sets: Adult (the paper's Census setting) and the paper's Bayesian network.

The Bayesian network is the simulation of the MissDiff paper's appendix D.1 (Figure 2):

* ``C1 ~ N(25, 2)`` and ``C2 | C1 ~ N(0.1 * C1 + 50, 5)``. The paper does not say whether the
  second argument is the variance or the standard deviation; here it is the **standard
  deviation** (``numpy.random.Generator.normal(loc, scale)``), so ``C1`` has standard deviation 2
  and ``C2`` standard deviation 5 around its conditional mean.
* ``D1 ~ Bernoulli(0.3)``.
* ``D2 | C1, C2, D1`` categorical over ``{0, 1, 2}``::

      C1 > 26,  C2 > 55,  D1 = 1: (0.3, 0.6, 0.1)
      C1 > 26,  C2 <= 55, D1 = 1: (0.2, 0.3, 0.5)
      C1 <= 26, C2 > 55,  D1 = 1: (0.7, 0.1, 0.2)
      C1 <= 26, C2 <= 55, D1 = 1: (0.1, 0.2, 0.7)
      D1 = 0:                     (0.05, 0.05, 0.9)

* ``D3 | D2 ~ Bernoulli(0.2 / 0.4 / 0.8)`` for ``D2 = 0 / 1 / 2``.

The paper's Table 8 lists the utility task of this data set as multi-class classification, so the
utility target is the three-class ``D2``. The discrete columns hold the strings ``'0'``, ``'1'``
(and ``'2'``) so that they stay categorical through masking, synthesis and scoring.
"""

import numpy as np
import pandas as pd
from sdv.metadata import Metadata

from sdv_missdiff._validation import check_choice, check_optional_int, check_positive_int
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split

BAYESIAN_NETWORK_TABLE_NAME = 'bayesian_network'
BAYESIAN_NETWORK_COLUMNS = ('C1', 'C2', 'D1', 'D2', 'D3')
D2_PROBABILITIES = {
    # (C1 > 26, C2 > 55) -> probabilities of D2 = 0, 1, 2 when D1 = 1
    (True, True): (0.3, 0.6, 0.1),
    (True, False): (0.2, 0.3, 0.5),
    (False, True): (0.7, 0.1, 0.2),
    (False, False): (0.1, 0.2, 0.7),
}
D2_PROBABILITIES_D1_ZERO = (0.05, 0.05, 0.9)
D3_PROBABILITIES = (0.2, 0.4, 0.8)

DATASETS = {
    # name: (table name, utility target, default training rows, default test rows)
    'adult': (ADULT_TABLE_NAME, 'income', 16_000, 4_000),
    'bayesian_network': (BAYESIAN_NETWORK_TABLE_NAME, 'D2', 2_000, 20_000),
}


def simulate_bayesian_network(num_rows, seed=None):
    """Draw rows from the Bayesian network of the MissDiff paper (appendix D.1).

    Args:
        num_rows (int):
            Number of rows.
        seed (int or None):
            Seed of the draw. Defaults to None (fresh entropy).

    Returns:
        pandas.DataFrame:
            Columns ``C1``, ``C2`` (float) and ``D1``, ``D2``, ``D3`` (strings ``'0'``, ``'1'``,
            ``'2'``), without missing values.
    """
    check_positive_int('num_rows', num_rows, error=ValueError)

    rng = np.random.default_rng(seed)
    c1 = rng.normal(25.0, 2.0, num_rows)
    c2 = rng.normal(0.1 * c1 + 50.0, 5.0)
    d1 = (rng.random(num_rows) < 0.3).astype(int)
    probabilities = np.empty((num_rows, 3))
    for (c1_high, c2_high), row in D2_PROBABILITIES.items():
        probabilities[((c1 > 26) == c1_high) & ((c2 > 55) == c2_high)] = row

    probabilities[d1 == 0] = D2_PROBABILITIES_D1_ZERO
    cumulative = probabilities.cumsum(axis=1)
    d2 = (rng.random(num_rows)[:, None] > cumulative[:, :2]).sum(axis=1)
    d3 = (rng.random(num_rows) < np.asarray(D3_PROBABILITIES)[d2]).astype(int)
    return pd.DataFrame(
        {
            'C1': c1,
            'C2': c2,
            'D1': d1.astype(str).astype(object),
            'D2': d2.astype(str).astype(object),
            'D3': d3.astype(str).astype(object),
        }
    )


def get_bayesian_network_metadata():
    """Get SDV metadata for the Bayesian-network table: 2 numerical and 3 categorical columns.

    Returns:
        sdv.metadata.Metadata:
            Metadata with a single table named ``'bayesian_network'``.
    """
    columns = {
        name: {'sdtype': 'numerical' if name.startswith('C') else 'categorical'}
        for name in BAYESIAN_NETWORK_COLUMNS
    }
    return Metadata.load_from_dict({'tables': {BAYESIAN_NETWORK_TABLE_NAME: {'columns': columns}}})


def load_benchmark_dataset(name, num_rows=None, num_test_rows=None, seed=0):
    """Load the complete training rows, the test rows and the metadata of a benchmark data set.

    Args:
        name (str):
            ``'adult'`` or ``'bayesian_network'``.
        num_rows (int or None):
            Number of training rows. Defaults to None (16,000 for Adult, 2,000 for the
            Bayesian network, as in the paper).
        num_test_rows (int or None):
            Number of test rows. Defaults to None (4,000 for Adult, 20,000 for the Bayesian
            network).
        seed (int):
            Seed of the draw (Adult: which rows; Bayesian network: the simulation).
            Defaults to 0.

    Returns:
        dict:
            ``train`` and ``test`` (complete ``pandas.DataFrame``), ``metadata``,
            ``table_name`` and ``target`` (the utility target column).

    Raises:
        ValueError:
            If ``name`` is unknown or a row count is not a positive integer (or None).
    """
    check_choice('dataset', name, DATASETS, error=ValueError)
    for argument, value in (('num_rows', num_rows), ('num_test_rows', num_test_rows)):
        check_optional_int(argument, value, 1, "for the data set's default", error=ValueError)

    table_name, target, default_rows, default_test_rows = DATASETS[name]
    num_rows = default_rows if num_rows is None else num_rows
    num_test_rows = default_test_rows if num_test_rows is None else num_test_rows
    if name == 'adult':
        train, test = load_adult_split(num_rows, num_test_rows, seed=seed)
        metadata = get_adult_metadata()
    else:
        both = simulate_bayesian_network(num_rows + num_test_rows, seed=seed)
        train = both.iloc[:num_rows].reset_index(drop=True)
        test = both.iloc[num_rows:].reset_index(drop=True)
        metadata = get_bayesian_network_metadata()

    return {
        'train': train,
        'test': test,
        'metadata': metadata,
        'table_name': table_name,
        'target': target,
    }
