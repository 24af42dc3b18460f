import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdv_missdiff.missingness import _MECHANISM_MASKS, MECHANISMS, simulate_missing
from tests.tables import mixed_dtype_table

SETTINGS = settings(max_examples=15, deadline=None)


@SETTINGS
@given(
    mechanism=st.sampled_from(['mcar_independent', 'mar', 'mnar', 'mnar_self']),
    rate=st.floats(0.05, 0.7),
    seed=st.integers(0, 10_000),
)
def test_realised_rate_close_to_target(mechanism, rate, seed):
    # Setup
    data = mixed_dtype_table(num_rows=1500)

    # Run
    _, mask = simulate_missing(data, mechanism, rate, seed=seed, observed_columns=None)

    # Assert: the rate is over the columns allowed to go missing (MAR: the non-observed ones)
    maskable = mask.columns[mask.any()] if mechanism == 'mar' else mask.columns
    realised = mask[maskable].to_numpy().mean()
    assert abs(realised - rate) < 0.05


@SETTINGS
@given(rate=st.floats(0.0, 0.95), seed=st.integers(0, 10_000), num_rows=st.integers(1, 60))
def test_mcar_row_and_column_hide_exact_counts(rate, seed, num_rows):
    # Setup
    data = mixed_dtype_table(num_rows=num_rows)

    # Run
    with pytest.warns(UserWarning) if 0 < rate and int(6 * rate) == 0 else _no_warning():
        _, row_mask = simulate_missing(data, 'mcar_row', rate, seed=seed)

    with pytest.warns(UserWarning) if 0 < rate and int(num_rows * rate) == 0 else _no_warning():
        _, column_mask = simulate_missing(data, 'mcar_column', rate, seed=seed)

    # Assert
    assert (row_mask.sum(axis=1) == int(np.floor(6 * rate))).all()
    assert (column_mask.sum(axis=0) == int(np.floor(num_rows * rate))).all()


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


@pytest.mark.filterwarnings('ignore:mechanism=.*0 cells:UserWarning')
@SETTINGS
@given(mechanism=st.sampled_from(MECHANISMS), rate=st.floats(0.0, 0.9), seed=st.integers(0, 99))
def test_observed_cells_unchanged_and_input_not_mutated(mechanism, rate, seed):
    # Setup
    data = mixed_dtype_table(num_rows=120)
    original = data.copy()

    # Run
    masked, mask = simulate_missing(data, mechanism, rate, seed=seed)

    # Assert
    pd.testing.assert_frame_equal(data, original)
    assert mask.dtypes.eq(bool).all()
    assert list(mask.columns) == list(data.columns)
    assert mask.index.equals(data.index)
    for column in data.columns:
        hidden = mask[column].to_numpy()
        assert masked[column][hidden].isna().all()
        kept = masked[column][~hidden].astype(object).tolist()
        assert kept == data[column][~hidden].astype(object).tolist()


@SETTINGS
@given(rate=st.floats(0.05, 0.9), seed=st.integers(0, 10_000))
def test_mar_fixed_columns_never_missing(rate, seed):
    # Setup
    data = mixed_dtype_table(num_rows=200)

    # Run
    _, from_columns = simulate_missing(data, 'mar', rate, columns=['num', 'colour'], seed=seed)
    _, from_observed = simulate_missing(
        data, 'mar', rate, seed=seed, observed_columns=['flag', 'when']
    )
    _, chosen = simulate_missing(data, 'mar', rate, seed=seed)

    # Assert
    assert not from_columns.drop(columns=['num', 'colour']).to_numpy().any()
    assert not from_observed[['flag', 'when']].to_numpy().any()
    assert (~chosen.any()).sum() == 1  # 30% of 6 columns: one stays observed


@pytest.mark.filterwarnings('ignore:mechanism=.*0 cells:UserWarning')
@SETTINGS
@given(
    mechanism=st.sampled_from(['mcar_independent', 'mcar_row', 'mcar_column']),
    rate=st.floats(0.0, 0.9),
    seed=st.integers(0, 10_000),
)
def test_mcar_mask_independent_of_data(mechanism, rate, seed):
    # Setup: same shape, unrelated values
    first = mixed_dtype_table(num_rows=50, seed=1)
    second = mixed_dtype_table(num_rows=50, seed=2).sort_values('num')

    # Run
    _, mask_first = simulate_missing(first, mechanism, rate, seed=seed)
    _, mask_second = simulate_missing(second, mechanism, rate, seed=seed)

    # Assert
    np.testing.assert_array_equal(mask_first.to_numpy(), mask_second.to_numpy())


def test_mar_missingness_depends_on_observed_column():
    # Setup
    rng = np.random.default_rng(0)
    driver = rng.normal(size=5000)
    data = pd.DataFrame({'driver': driver, 'target': rng.normal(size=5000)})

    # Run
    _, mask = simulate_missing(data, 'mar', 0.3, columns=['target'], seed=3)

    # Assert: missingness of 'target' is strongly related to 'driver', not to 'target'
    assert abs(np.corrcoef(mask['target'], driver)[0, 1]) > 0.3
    assert abs(np.corrcoef(mask['target'], data['target'])[0, 1]) < 0.05


def test_mnar_self_depends_on_own_value():
    # Setup
    rng = np.random.default_rng(0)
    data = pd.DataFrame({'value': rng.normal(size=5000)})

    # Run
    _, mask = simulate_missing(data, 'mnar_self', 0.3, seed=5)

    # Assert
    assert abs(np.corrcoef(mask['value'], data['value'])[0, 1]) > 0.3
    assert abs(mask['value'].mean() - 0.3) < 0.03


def test_mnar_inputs_are_masked_completely_at_random():
    # Setup
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(4000, 4)), columns=list('abcd'))

    # Run
    _, mask = simulate_missing(data, 'mnar', 0.25, seed=2, input_fraction=0.25)

    # Assert: every column can go missing, and the overall rate is the target
    assert mask.any().all()
    assert abs(mask.to_numpy().mean() - 0.25) < 0.02


def test_dtypes_after_masking():
    # Setup
    data = mixed_dtype_table(num_rows=30)
    data['nullable'] = pd.array(range(30), dtype='Int64')

    # Run
    masked, _ = simulate_missing(data, 'mcar_independent', 0.5, columns=['int', 'flag', 'when',
        'size', 'nullable'], seed=0)  # fmt: skip

    # Assert
    assert masked['int'].dtype == 'float64'
    assert masked['flag'].dtype == 'boolean'
    assert masked['when'].dtype == 'datetime64[ns]'
    assert isinstance(masked['size'].dtype, pd.CategoricalDtype)
    assert masked['nullable'].dtype == 'Int64'
    assert masked['num'].dtype == 'float64'
    assert masked['colour'].dtype == data['colour'].dtype


def test_zero_rate_and_generator_seed():
    # Setup
    data = mixed_dtype_table(num_rows=40)

    # Run
    _, zero = simulate_missing(data, 'mar', 0.0, seed=0)
    _, first = simulate_missing(data, 'mnar', 0.4, seed=np.random.default_rng(7))
    _, second = simulate_missing(data, 'mnar', 0.4, seed=np.random.default_rng(7))

    # Assert
    assert not zero.to_numpy().any()
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'mechanism': 'mcar'}, "Invalid value 'mcar' for 'mechanism'. Choose one of"),
        ({'rate': 1.0}, r"Invalid value 1.0 for 'rate': it must be a number in \[0, 1\)"),
        ({'rate': -0.1}, r"'rate': it must be a number in \[0, 1\)"),
        ({'rate': float('nan')}, r"'rate': it must be a number in \[0, 1\)"),
        ({'input_fraction': 0}, r"'input_fraction': it must be a number in \(0, 1\]"),
        ({'input_fraction': 1.5}, r"'input_fraction': it must be a number in \(0, 1\]"),
        ({'seed': -1}, "Invalid value -1 for 'seed': it must be a non-negative integer"),
        ({'columns': ['num', 'nope']}, r"not in the data: \['nope'\]"),
        ({'mechanism': 'mnar', 'columns': ['num']}, "'mnar' needs at least two columns"),
        (
            {'mechanism': 'mar', 'columns': ['num'], 'observed_columns': ['num']},
            'no column left to go missing',
        ),
        ({'observed_columns': ['num']}, "only applies to mechanism='mar'"),
    ],
)
def test_bad_input_errors(kwargs, message):
    # Setup
    data = mixed_dtype_table(num_rows=10)
    arguments = {'mechanism': 'mcar_independent', 'rate': 0.2, 'seed': 0, **kwargs}

    # Run and Assert
    with pytest.raises(ValueError, match=message):
        simulate_missing(data, **arguments)


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'rate': '0.1'}, r"Invalid value '0.1' for 'rate': it must be a number in \[0, 1\)"),
        ({'rate': True}, "Invalid value True for 'rate'"),
        ({'input_fraction': None}, r"'input_fraction': it must be a number in \(0, 1\]"),
        ({'seed': 1.5}, "Invalid value 1.5 for 'seed'"),
        ({'seed': 'x'}, "Invalid value 'x' for 'seed'"),
    ],
)
def test_bad_input_type_errors(kwargs, message):
    # Setup
    data = mixed_dtype_table(num_rows=10)
    arguments = {'mechanism': 'mcar_independent', 'rate': 0.2, 'seed': 0, **kwargs}

    # Run and Assert
    with pytest.raises(TypeError, match=message):
        simulate_missing(data, **arguments)

    with pytest.raises(TypeError, match='must be a pandas.DataFrame'):
        simulate_missing(data.to_numpy(), 'mcar_independent', 0.2)


def test_mar_single_column_error():
    # Run and Assert
    with pytest.raises(ValueError, match="'mar' needs at least two columns"):
        simulate_missing(pd.DataFrame({'a': [1.0, 2.0]}), 'mar', 0.2)


def test_registry_matches_mechanisms():
    # Assert: same names, same order, every entry callable
    assert MECHANISMS == tuple(_MECHANISM_MASKS)
    assert MECHANISMS == ('mcar_independent', 'mcar_row', 'mcar_column', 'mar', 'mnar', 'mnar_self')
    assert all(callable(function) for function in _MECHANISM_MASKS.values())
