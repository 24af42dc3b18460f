import numpy as np
import pandas as pd
import pytest
from sdv.errors import InvalidDataError, NotFittedError

from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.imputation import IMPUTATION_LEVEL
from sdv_missdiff.synthesizer import MissDiffSynthesizer
from tests.tables import dependent_table, dependent_table_metadata, table_with_holes


def test_impute_keeps_observed_cells_index_columns_and_dtypes(synthesizer):
    # Setup
    data = table_with_holes()

    # Run
    imputed = synthesizer.impute(data)

    # Assert
    assert imputed.index.equals(data.index)
    assert list(imputed.columns) == list(data.columns)
    pd.testing.assert_series_equal(imputed.dtypes, data.dtypes)
    assert not imputed.isna().any().any()
    observed = data.notna()
    for column in data.columns:
        kept = observed[column]
        pd.testing.assert_series_equal(imputed.loc[kept, column], data.loc[kept, column])


def test_impute_fills_categorical_and_boolean_holes_with_fitted_values(synthesizer):
    # Setup
    data = table_with_holes()

    # Run
    imputed = synthesizer.impute(data)

    # Assert
    assert set(imputed.loc[[103, 104], 'color']) <= {'red', 'green', 'blue'}
    assert imputed.loc[108, 'flag'] in (True, False)
    assert pd.Timestamp('2024-01-01') <= imputed.loc[105, 'when'] <= pd.Timestamp('2024-12-31')


def test_impute_does_not_change_its_input(synthesizer):
    # Setup
    data = table_with_holes()
    copy = data.copy()

    # Run
    synthesizer.impute(data)

    # Assert
    pd.testing.assert_frame_equal(data, copy)


def test_impute_dict_in_dict_out(synthesizer):
    # Setup
    data = table_with_holes()

    # Run
    imputed = synthesizer.impute({'table': data})

    # Assert
    assert list(imputed) == ['table']
    assert not imputed['table'].isna().any().any()


def test_impute_complete_table_is_returned_unchanged(synthesizer):
    # Setup
    data = dependent_table(10, seed=3)

    # Run
    imputed = synthesizer.impute(data)

    # Assert
    pd.testing.assert_frame_equal(imputed, data)


def test_impute_a_subset_of_columns(synthesizer):
    # Setup
    data = pd.DataFrame({'x': [0.5, np.nan], 'color': [np.nan, 'red']})

    # Run
    imputed = synthesizer.impute(data)

    # Assert
    assert list(imputed.columns) == ['x', 'color']
    assert imputed.loc[0, 'x'] == 0.5
    assert imputed.loc[1, 'color'] == 'red'
    assert imputed.notna().all().all()


def test_multiple_imputation_stacks_completions_under_an_imputation_level(synthesizer):
    # Setup
    data = table_with_holes()

    # Run
    imputed = synthesizer.impute(data, num_imputations=3)

    # Assert
    assert imputed.index.names == [IMPUTATION_LEVEL, None]
    assert len(imputed) == 3 * len(data)
    completions = [imputed.xs(number, level=IMPUTATION_LEVEL) for number in range(3)]
    for completion in completions:
        assert completion.index.equals(data.index)
        assert not completion.isna().any().any()
        pd.testing.assert_series_equal(completion.loc[data['y'].notna(), 'y'], data['y'].dropna())

    # independent draws: the hidden x cells differ between completions
    hidden = data['x'].isna()
    assert not np.allclose(completions[0].loc[hidden, 'x'], completions[1].loc[hidden, 'x'])
    pooled = imputed.groupby(level=IMPUTATION_LEVEL)['x'].mean()
    assert list(pooled.index) == [0, 1, 2]


def test_point_estimate_pools_draws_into_one_best_guess_per_cell(synthesizer):
    # Setup
    data = table_with_holes()
    hidden = data.isna()

    # Run
    synthesizer.reset_sampling()
    pooled = synthesizer.impute(data, point_estimate=True, num_draws=6)
    synthesizer.reset_sampling()
    draws = synthesizer.impute(data, num_imputations=6)

    # Assert: same table contract as one draw.
    assert pooled.index.equals(data.index)
    pd.testing.assert_series_equal(pooled.dtypes, data.dtypes)
    assert not pooled.isna().any().any()
    for column in data.columns:
        kept = ~hidden[column]
        pd.testing.assert_series_equal(pooled.loc[kept, column], data.loc[kept, column])

    # Numbers: the mean of the draws, inside their spread; categories: the model's most likely
    # level given the observed cells, one of the fitted levels.
    by_row = draws.groupby(level=1)['x']
    low, high = by_row.min()[hidden['x']], by_row.max()[hidden['x']]
    spread = (high - low).to_numpy()
    assert (pooled.loc[hidden['x'], 'x'].between(low - spread, high + spread)).all()
    assert pooled.loc[hidden['color'], 'color'].isin(['red', 'green', 'blue']).all()
    assert pooled.loc[hidden['flag'], 'flag'].isin([True, False]).all()


def test_point_estimate_pools_antithetic_draws_closer_to_the_conditional_mean(synthesizer):
    # Setup: x hidden in 60 rows; the mean of 400 independent draws stands for each cell's
    # conditional mean under the model.
    data = dependent_table(120, seed=5).drop(columns='key')
    data.loc[data.index[::2], 'x'] = np.nan
    hidden = data['x'].isna()
    synthesizer.reset_sampling()
    many = synthesizer.impute(data, num_imputations=400)['x'].groupby(level=1)
    target = many.mean()[hidden]
    first_six = many.head(6).groupby(level=1).mean()[hidden]

    # Run: six draws in antithetic pairs.
    synthesizer.reset_sampling()
    pooled = synthesizer.impute(data, point_estimate=True, num_draws=6)['x'][hidden]

    # Assert: closer to the conditional mean than the mean of six independent draws.
    independent_error = np.sqrt(np.mean((first_six - target) ** 2))
    antithetic_error = np.sqrt(np.mean((pooled - target) ** 2))
    assert antithetic_error < 0.85 * independent_error


def test_point_estimate_steps_follow_the_argument(synthesizer):
    # Setup
    data = table_with_holes()

    # Run
    synthesizer.reset_sampling()
    default = synthesizer.impute(data, point_estimate=True, num_draws=3)
    synthesizer.reset_sampling()
    same = synthesizer.impute(data, point_estimate=True, num_draws=3, sampling_steps=10)
    synthesizer.reset_sampling()
    fewer = synthesizer.impute(data, point_estimate=True, num_draws=3, sampling_steps=2)

    # Assert: the fixture samples with 10 steps, so the default point estimate takes 10 too.
    pd.testing.assert_frame_equal(default, same)
    assert not np.allclose(default['x'], fewer['x'])
    with pytest.raises(MissDiffInputError, match="'sampling_steps' \\(101\\) cannot exceed"):
        synthesizer.impute(data, sampling_steps=101)


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [
        ({'point_estimate': True, 'num_imputations': 2}, 'Use num_imputations=1'),
        ({'point_estimate': 'yes'}, "'point_estimate' must be True or False"),
        ({'point_estimate': True, 'num_draws': 0}, "Invalid value 0 for 'num_draws'"),
        ({'sampling_steps': 0}, "Invalid value 0 for 'sampling_steps'"),
    ],
)
def test_point_estimate_rejects_bad_arguments(synthesizer, arguments, message):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match=message):
        synthesizer.impute(table_with_holes(), **arguments)


def test_impute_shows_a_progress_bar_when_verbose(synthesizer, capsys):
    # Setup
    synthesizer.verbose = True
    try:
        # Run
        synthesizer.impute(table_with_holes())
    finally:
        synthesizer.verbose = False

    # Assert
    assert 'Reverse diffusion steps' in capsys.readouterr().err


# -- impute: errors ---------------------------------------------------------------------------
def test_impute_before_fit_raises_not_fitted():
    # Setup
    synthesizer = MissDiffSynthesizer(dependent_table_metadata())

    # Run and Assert
    with pytest.raises(NotFittedError, match='Fit it'):
        synthesizer.impute(dependent_table(5))


@pytest.mark.parametrize('tables', [['wrong_name'], ['table', 'other']])
def test_impute_rejects_a_table_name_the_synthesizer_was_not_fitted_on(synthesizer, tables):
    data = {name: table_with_holes() for name in tables}
    with pytest.raises(MissDiffInputError, match="fitted on the table 'table'"):
        synthesizer.impute(data)


def test_impute_rejects_columns_the_synthesizer_never_saw(synthesizer):
    # Setup
    data = dependent_table(5).assign(height=1.0)

    # Run and Assert
    with pytest.raises(MissDiffInputError, match=r"never saw the column\(s\) \['height'\]"):
        synthesizer.impute(data)


def test_impute_rejects_wrong_dtypes_collecting_every_column(synthesizer):
    # Setup
    data = dependent_table(5)
    data['x'] = data['x'].astype(object)
    data.loc[0, 'x'] = 'tall'
    data['when'] = data['when'].dt.strftime('%Y-%m-%d')
    data.loc[1, 'when'] = 'not a date'

    # Run and Assert
    with pytest.raises(InvalidDataError) as error:
        synthesizer.impute(data)

    message = str(error.value)
    assert "Column 'x' is numerical but holds non-numeric value(s) ['tall']" in message
    assert "Column 'when' is a datetime but value(s) ['not a date']" in message


def test_impute_rejects_unseen_categories(synthesizer):
    # Setup
    data = dependent_table(5)
    data.loc[0, 'color'] = 'purple'
    data.loc[1, 'y'] = np.nan

    # Run and Assert
    with pytest.raises(InvalidDataError, match=r"Column 'color' has value\(s\) \['purple'\]"):
        synthesizer.impute(data)


@pytest.mark.parametrize('argument', ['num_imputations', 'num_resamples'])
@pytest.mark.parametrize('value', [0, 2.0, True])
def test_impute_rejects_invalid_counts(synthesizer, argument, value):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match=f"Invalid value .* for '{argument}'"):
        synthesizer.impute(table_with_holes(), **{argument: value})


def test_impute_rejects_non_tables(synthesizer):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match="'data' must be a pandas.DataFrame"):
        synthesizer.impute([[1.0, 2.0]])
