import numpy as np
import pandas as pd

from sdv_missdiff.benchmark.adapters import TabularARGNSystem

TABLE = 'bayesian_network'


class _Draws:
    """Stands in for the engine's model: each ``impute`` call returns the next prepared draw."""

    def __init__(self, draws):
        self.draws = iter(draws)

    def impute(self, table):
        return next(self.draws)


def test_tabular_argn_impute_pools_draws_and_keeps_observed_cells():
    # Setup
    table = pd.DataFrame(
        {'x': [1.0, np.nan, np.nan], 'g': ['a', np.nan, np.nan]}, index=[10, 11, 12]
    )
    draws = [
        pd.DataFrame({'x': [9.0, 2.0, 0.0], 'g': ['z', 'b', 'c']}),
        pd.DataFrame({'x': [9.0, 4.0, 3.0], 'g': ['z', 'c', 'a']}),
        pd.DataFrame({'x': [9.0, 6.0, 3.0], 'g': ['z', 'c', 'b']}),
    ]
    system = TabularARGNSystem(TABLE)
    system.columns, system.dtypes, system.model = ['x', 'g'], table.dtypes, _Draws(draws)

    # Run
    imputed = system.impute(table, num_draws=3)

    # Assert: means for numbers, the most frequent level (first drawn on ties) otherwise.
    assert list(imputed.index) == [10, 11, 12]
    assert imputed['x'].tolist() == [1.0, 4.0, 2.0]
    assert imputed['g'].tolist() == ['a', 'c', 'c']
