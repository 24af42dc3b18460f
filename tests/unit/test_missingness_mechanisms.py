import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.missingness import _MECHANISM_MASKS, MECHANISMS, simulate_missing
from sdv_missdiff.missingness_mechanisms import MaskRequest, mask_mar
from tests.tables import mixed_dtype_table


@pytest.mark.parametrize('mechanism', MECHANISMS)
@pytest.mark.parametrize('rate', [0.0, 0.4])
def test_every_mechanism_returns_a_mask_of_the_requested_columns(mechanism, rate):
    # Setup: a non-default index, and only some columns allowed to go missing
    data = mixed_dtype_table(num_rows=30).set_axis(range(100, 130))
    columns = ['num', 'flag', 'colour', 'size']
    request = MaskRequest(data, columns, rate, np.random.default_rng(0), None, 0.5)

    # Run
    hidden = _MECHANISM_MASKS[mechanism](request)
    _, mask = simulate_missing(data, mechanism, rate, columns=columns, seed=0, input_fraction=0.5)

    # Assert: the mechanism's mask has the data's rows and requested columns only, all boolean
    assert isinstance(hidden, pd.DataFrame)
    assert hidden.index.equals(data.index)
    assert list(hidden.columns) == columns  # 'mar': the columns left out are its inputs
    assert hidden.dtypes.eq(bool).all()
    assert mask.shape == data.shape
    assert not mask.drop(columns=columns).to_numpy().any()
    pd.testing.assert_frame_equal(mask[columns], hidden)


def test_mar_mask_covers_only_the_columns_that_may_go_missing():
    # Setup
    data = mixed_dtype_table(num_rows=30)
    request = MaskRequest(data, list(data.columns), 0.3, np.random.default_rng(1), ['num'], 0.3)

    # Run
    hidden = mask_mar(request)

    # Assert: the observed column is not in the mask, every other column is
    assert list(hidden.columns) == [column for column in data.columns if column != 'num']
    assert hidden.index.equals(data.index)
