import numpy as np
import pandas as pd
import pytest
import torch
from sdv.errors import InvalidDataError, NotFittedError
from sdv.metadata import Metadata

from sdv_missdiff.diffusion.model import MaskedDiffusionModel
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.inpainting import IMPUTATION_LEVEL
from sdv_missdiff.synthesizer import MissDiffSynthesizer


@pytest.fixture(autouse=True)
def single_thread():
    # Tiny networks run fastest on one thread, and the shared CPU is not oversubscribed.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _table(num_rows=300, seed=0):
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


def _metadata():
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


@pytest.fixture(scope='module')
def synthesizer():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = _table()
    data.loc[data.index % 5 == 0, 'y'] = np.nan
    synthesizer = MissDiffSynthesizer(
        _metadata(), epochs=5, denoiser_width=32, denoiser_blocks=1, sampling_steps=10
    )
    synthesizer.fit({'table': data})
    return synthesizer


def _fitted_model(dimensions=3, seed=0):
    torch.manual_seed(seed)
    values = np.random.default_rng(seed).normal(size=(64, dimensions)).astype(np.float32)
    model = MaskedDiffusionModel(
        num_timesteps=20, hidden_dimensions=16, num_blocks=1, epochs=2, batch_size=32
    )
    model.fit(values, np.ones_like(values))
    return model


class _CountingDenoiser(torch.nn.Module):
    def __init__(self, denoiser):
        super().__init__()
        self.denoiser = denoiser
        self.data_dimensions = denoiser.data_dimensions
        self.calls = 0

    def forward(self, *args):
        self.calls += 1
        return self.denoiser(*args)


# -- model: inpainting and RePaint resampling ---------------------------------------------------
@pytest.mark.parametrize('num_resamples', [1, 4])
def test_model_sample_returns_known_dimensions_exactly(num_resamples):
    # Setup
    model = _fitted_model()
    known_values = np.array([[0.25, 0.0, 0.0], [0.0, -1.5, 0.0]], dtype=np.float32)
    known_mask = np.array([[1, 0, 0], [0, 1, 1]], dtype=np.float32)

    # Run
    sampled = model.sample(2, known_values, known_mask, num_resamples=num_resamples)

    # Assert
    np.testing.assert_array_equal(sampled[known_mask.astype(bool)], [0.25, -1.5, 0.0])
    assert np.isfinite(sampled).all()


def test_repaint_takes_each_reverse_step_num_resamples_times_except_the_last():
    # Setup
    model = _fitted_model()
    model.denoiser = _CountingDenoiser(model.denoiser)
    known_mask = np.array([[1, 0, 0]], dtype=np.float32)

    # Run
    model.sample(1, np.zeros((1, 3), np.float32), known_mask, num_resamples=3)

    # Assert
    assert model.denoiser.calls == (20 - 1) * 3 + 1


def test_repaint_is_not_used_when_nothing_is_known():
    # Setup
    model = _fitted_model()
    model.denoiser = _CountingDenoiser(model.denoiser)

    # Run
    model.sample(2, np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32), num_resamples=3)

    # Assert
    assert model.denoiser.calls == 20


@pytest.mark.parametrize('num_resamples', [0, 1.5, True])
def test_model_sample_rejects_invalid_num_resamples(num_resamples):
    # Setup
    model = _fitted_model()

    # Run and Assert
    with pytest.raises(ValueError, match='num_resamples must be a positive integer'):
        model.sample(1, num_resamples=num_resamples)


# -- impute: output contract ------------------------------------------------------------------
def _with_holes(seed=1):
    data = _table(40, seed=seed)
    data.loc[[0, 1, 2], 'x'] = np.nan
    data.loc[[3, 4], 'color'] = np.nan
    data.loc[[5], 'when'] = pd.NaT
    data.loc[[6, 7], 'y'] = np.nan
    data['flag'] = data['flag'].astype(object)
    data.loc[8, 'flag'] = np.nan
    data.index = data.index + 100
    return data


def test_impute_keeps_observed_cells_index_columns_and_dtypes(synthesizer):
    # Setup
    data = _with_holes()

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
    data = _with_holes()

    # Run
    imputed = synthesizer.impute(data)

    # Assert
    assert set(imputed.loc[[103, 104], 'color']) <= {'red', 'green', 'blue'}
    assert imputed.loc[108, 'flag'] in (True, False)
    assert pd.Timestamp('2024-01-01') <= imputed.loc[105, 'when'] <= pd.Timestamp('2024-12-31')


def test_impute_does_not_change_its_input(synthesizer):
    # Setup
    data = _with_holes()
    copy = data.copy()

    # Run
    synthesizer.impute(data)

    # Assert
    pd.testing.assert_frame_equal(data, copy)


def test_impute_dict_in_dict_out(synthesizer):
    # Setup
    data = _with_holes()

    # Run
    imputed = synthesizer.impute({'table': data})

    # Assert
    assert list(imputed) == ['table']
    assert not imputed['table'].isna().any().any()


def test_impute_complete_table_is_returned_unchanged(synthesizer):
    # Setup
    data = _table(10, seed=3)

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
    data = _with_holes()

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


def test_impute_shows_a_progress_bar_when_verbose(synthesizer, capsys):
    # Setup
    synthesizer.verbose = True
    try:
        # Run
        synthesizer.impute(_with_holes())
    finally:
        synthesizer.verbose = False

    # Assert
    assert 'Reverse diffusion steps' in capsys.readouterr().err


# -- impute: errors ---------------------------------------------------------------------------
def test_impute_before_fit_raises_not_fitted():
    # Setup
    synthesizer = MissDiffSynthesizer(_metadata())

    # Run and Assert
    with pytest.raises(NotFittedError, match='Fit it'):
        synthesizer.impute(_table(5))


def test_impute_rejects_columns_the_synthesizer_never_saw(synthesizer):
    # Setup
    data = _table(5).assign(height=1.0)

    # Run and Assert
    with pytest.raises(MissDiffInputError, match=r"never saw the column\(s\) \['height'\]"):
        synthesizer.impute(data)


def test_impute_rejects_wrong_dtypes_collecting_every_column(synthesizer):
    # Setup
    data = _table(5)
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
    data = _table(5)
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
        synthesizer.impute(_with_holes(), **{argument: value})


def test_impute_rejects_non_tables(synthesizer):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match="'data' must be a pandas.DataFrame"):
        synthesizer.impute([[1.0, 2.0]])


def test_unseen_category_in_known_columns_raises(synthesizer):
    # Setup
    known = pd.DataFrame({'color': ['purple']})

    # Run and Assert
    with pytest.raises(InvalidDataError, match=r"Column 'color' has value\(s\) \['purple'\]"):
        synthesizer.sample_remaining_columns(known)
