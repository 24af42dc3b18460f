"""Data sets bundled with the package, loaded from disk (nothing is downloaded)."""

from importlib import resources

import numpy as np
import pandas as pd
from sdv.metadata import Metadata

ADULT_NUMERICAL_COLUMNS = (
    'age',
    'fnlwgt',
    'education-num',
    'capital-gain',
    'capital-loss',
    'hours-per-week',
)
ADULT_CATEGORICAL_COLUMNS = (
    'workclass',
    'education',
    'marital-status',
    'occupation',
    'relationship',
    'race',
    'sex',
    'native-country',
    'income',
)
ADULT_COLUMNS = (
    'age',
    'workclass',
    'fnlwgt',
    'education',
    'education-num',
    'marital-status',
    'occupation',
    'relationship',
    'race',
    'sex',
    'capital-gain',
    'capital-loss',
    'hours-per-week',
    'native-country',
    'income',
)
ADULT_TABLE_NAME = 'adult'


def load_adult(complete_rows_only=False):
    """Load the bundled UCI Adult table (48,842 rows, CC BY 4.0; see ``data/ADULT.md``).

    Args:
        complete_rows_only (bool):
            Whether to drop the rows with a natural missing value (``workclass``,
            ``occupation`` or ``native-country`` unknown). Defaults to ``False``.

    Returns:
        pandas.DataFrame:
            The table, with NaN where the source has ``?``.
    """
    source = resources.files('sdv_missdiff').joinpath('data', 'adult.csv.gz')
    with source.open('rb') as handle:
        data = pd.read_csv(handle, compression='gzip')

    if complete_rows_only:
        data = data.dropna().reset_index(drop=True)

    return data


def get_adult_metadata():
    """Get SDV metadata for the Adult table: 6 numerical and 9 categorical columns.

    Returns:
        sdv.metadata.Metadata:
            Metadata with a single table named ``'adult'``.
    """
    columns = {
        name: {'sdtype': 'numerical' if name in ADULT_NUMERICAL_COLUMNS else 'categorical'}
        for name in ADULT_COLUMNS
    }
    return Metadata.load_from_dict({'tables': {ADULT_TABLE_NAME: {'columns': columns}}})


def load_adult_split(num_train_rows=16_000, num_test_rows=4_000, seed=0):
    """Draw the paper's Census setting: disjoint train and test samples of complete rows.

    Args:
        num_train_rows (int):
            Number of training rows. Defaults to 16,000.
        num_test_rows (int):
            Number of test rows. Defaults to 4,000.
        seed (int):
            Seed of the draw. Defaults to 0.

    Returns:
        tuple[pandas.DataFrame, pandas.DataFrame]:
            The training and test tables, both without missing values.
    """
    data = load_adult(complete_rows_only=True)
    total = num_train_rows + num_test_rows
    if total > len(data):
        raise ValueError(
            f'Asked for {total} rows but Adult has only {len(data)} complete rows: lower '
            "'num_train_rows' or 'num_test_rows'."
        )

    order = np.random.default_rng(seed).permutation(len(data))
    train = data.iloc[order[:num_train_rows]].reset_index(drop=True)
    test = data.iloc[order[num_train_rows:total]].reset_index(drop=True)
    return train, test
