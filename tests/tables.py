"""Small tables shared by the inpainting and imputation tests."""

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
