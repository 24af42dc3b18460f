import numpy as np
import pandas as pd
import pytest
from sdv.errors import InvalidDataError

from sdv_missdiff.encoding import TableEncoder
from sdv_missdiff.inpainting import Inpainter
from sdv_missdiff.missing_values import MissingValues


def _inpainter():
    table = pd.DataFrame({'x': [0.0, 1.0, 2.0, 3.0], 'color': ['red', 'blue', 'red', 'green']})
    encoder = TableEncoder('standard', 100)
    encoder.fit(table, ['color'])
    return Inpainter(encoder, None, MissingValues(None))


def test_pool_draws_takes_the_mean_of_numbers_and_the_first_most_frequent_level():
    # Setup: two rows, three draws each, row 0's draws first.
    generated = pd.DataFrame(
        {
            'x': [1.0, 2.0, 6.0, 0.0, 0.0, 3.0],
            'color': ['red', 'blue', 'blue', 'green', 'red', 'blue'],
        }
    )

    # Run
    pooled = _inpainter().pool_draws(generated, num_rows=2, num_draws=3)

    # Assert: row 1's three-way tie goes to the level that appears first in all the draws.
    assert pooled['x'].tolist() == [3.0, 1.0]
    assert pooled['color'].tolist() == ['blue', 'red']


def test_known_categories_never_seen_in_fit_are_refused_by_column():
    with pytest.raises(InvalidDataError, match="Column 'color' has value\\(s\\) \\['purple'\\]"):
        _inpainter().check_known_categories(pd.DataFrame({'color': ['red', 'purple', np.nan]}))


def test_encode_known_leaves_unknown_columns_and_nan_cells_unknown():
    # Run
    values, mask = _inpainter().encode_known(pd.DataFrame({'x': [1.0, np.nan], 'other': [1, 2]}))

    # Assert: x is dimension 0; the color block is unknown in both rows.
    assert mask[:, 0].tolist() == [1.0, 0.0]
    assert not mask[:, 1:].any()
