"""Small tables shared by the tests."""

import numpy as np
import pandas as pd
from sdv.metadata import Metadata


def dependent_table(num_rows=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    return pd.DataFrame(
        {
            'key': np.arange(num_rows),
            'x': x,
            'y': 2 * x + 0.1 * rng.normal(size=num_rows),
            'color': rng.choice(['red', 'green', 'blue'], size=num_rows),
            'flag': x > 0,
            'when': pd.Timestamp('2024-01-01')
            + pd.to_timedelta(rng.integers(0, 300, num_rows), 'D'),
        }
    )


def dependent_table_metadata():
    metadata = Metadata.load_from_dict(
        {
            'tables': {
                'table': {
                    'primary_key': 'key',
                    'columns': {
                        'key': {'sdtype': 'id'},
                        'x': {'sdtype': 'numerical'},
                        'y': {'sdtype': 'numerical'},
                        'color': {'sdtype': 'categorical'},
                        'flag': {'sdtype': 'boolean'},
                        'when': {'sdtype': 'datetime'},
                    },
                }
            }
        }
    )
    return metadata


def table_with_holes(seed=1):
    data = dependent_table(40, seed=seed)
    data.loc[[0, 1, 2], 'x'] = np.nan
    data.loc[[3, 4], 'color'] = np.nan
    data.loc[[5], 'when'] = pd.NaT
    data.loc[[6, 7], 'y'] = np.nan
    data['flag'] = data['flag'].astype(object)
    data.loc[8, 'flag'] = np.nan
    data.index = data.index + 100
    return data


def holes_table(num_rows=200, seed=4):
    """``dependent_table`` with about 15% of the cells of four columns missing at random."""
    data = dependent_table(num_rows, seed=seed)
    rng = np.random.default_rng(seed + 1)
    data['flag'] = data['flag'].astype(object)
    for column in ('x', 'y', 'color', 'when', 'flag'):
        data.loc[rng.random(num_rows) < 0.15, column] = None

    return data


def structural_table(num_rows=300, seed=0):
    """Hours and a job exist only for workers: both are missing for every retired person."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(['worker', 'retired'], num_rows, p=[0.6, 0.4])
    working = kind == 'worker'
    return pd.DataFrame(
        {
            'kind': kind,
            'hours': np.where(working, rng.normal(40, 5, num_rows), np.nan),
            'job': np.where(working, rng.choice(['x', 'y', 'z'], num_rows), None).astype(object),
            'age': np.where(working, rng.normal(40, 10, num_rows), rng.normal(70, 5, num_rows)),
        }
    )


def structural_table_metadata(table_name='table'):
    sdtypes = {
        'kind': 'categorical',
        'hours': 'numerical',
        'job': 'categorical',
        'age': 'numerical',
    }
    columns = {name: {'sdtype': sdtype} for name, sdtype in sdtypes.items()}
    return Metadata.load_from_dict({'tables': {table_name: {'columns': columns}}})


def mixed_dtype_table(num_rows=400, seed=0):
    """Numbers, integers, booleans, datetimes, strings and a categorical, complete."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            'num': rng.normal(size=num_rows),
            'int': rng.integers(0, 50, num_rows),
            'flag': rng.random(num_rows) < 0.4,
            'when': pd.Timestamp('2020-01-01')
            + pd.to_timedelta(rng.integers(0, 900, num_rows), 'D'),
            'colour': rng.choice(['red', 'green', 'blue'], num_rows),
            'size': pd.Categorical(rng.choice(['S', 'M', 'L'], num_rows)),
        }
    )
