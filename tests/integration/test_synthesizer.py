import pickle
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
import torch
from sdv.errors import InvalidDataError, NotFittedError, SamplingError, SynthesizerInputError
from sdv.metadata import Metadata
from sdv.sampling import Condition

from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.diffusion import budget
from sdv_missdiff.errors import MissDiffInputError
from tests.tables import dependent_table_metadata


def _metadata(data):
    return Metadata.detect_from_dataframes({'table': data})


def _numeric_table(num_rows=50):
    rng = np.random.default_rng(0)
    return pd.DataFrame({'a': rng.normal(size=num_rows), 'b': rng.normal(size=num_rows)})


def test_entry_point_registers_the_synthesizer_in_sdv():
    from sdv.single_table import MissDiffSynthesizer as FromSDV

    assert FromSDV is MissDiffSynthesizer


@pytest.mark.parametrize('value', [0, -3, 1.5, '10', True])
@pytest.mark.parametrize('argument', ['epochs', 'batch_size'])
def test_invalid_epochs_and_batch_size(argument, value):
    metadata = _metadata(_numeric_table())
    with pytest.raises(SynthesizerInputError, match=f"Invalid value .* for '{argument}'"):
        MissDiffSynthesizer(metadata, **{argument: value})


@pytest.mark.parametrize(
    'options, message',
    [
        ({'missing_data_strategy': 'impute'}, "'missing_data_strategy'"),
        ({'numerical_transform': 'log'}, "'numerical_transform'"),
        ({'sampling_steps': 200}, "'sampling_steps' \\(200\\) cannot exceed"),
        (
            {'sampler': 'euler'},
            "'sampler'. Choose one of \\['auto', 'ancestral', 'ddim', 'dpm\\+\\+2m'\\]",
        ),
        ({'beta_min': 0.6}, 'beta_min < beta_max'),
        ({'num_timesteps': 1}, "'num_timesteps'"),
        ({'column_balance': 2}, "'column_balance'"),
        ({'conditional_share': 1.5}, "'conditional_share'"),
        ({'conditional_share': True}, "'conditional_share'"),
        ({'validation_share': 0.6}, "'validation_share': it must be a number in \\[0, 0.5\\]"),
        ({'validation_share': -0.1}, "'validation_share'"),
        ({'patience': 0}, "'patience'"),
        ({'timestep_emphasis': -1}, "'timestep_emphasis': it must be a number in \\[0, inf\\)"),
        ({'timestep_emphasis': float('inf')}, "'timestep_emphasis'"),
        ({'timestep_emphasis': float('nan')}, "'timestep_emphasis'"),
        ({'timestep_emphasis': 'high'}, "'timestep_emphasis'"),
        ({'timestep_emphasis': None}, "'timestep_emphasis'"),
        ({'categorical_weight': 0}, "'categorical_weight': it must be a finite number above 0"),
        ({'categorical_weight': -2}, "'categorical_weight'"),
        ({'categorical_weight': float('inf')}, "'categorical_weight'"),
        ({'categorical_weight': float('nan')}, "'categorical_weight'"),
        ({'categorical_weight': '2'}, "'categorical_weight'"),
        ({'categorical_weight': None}, "'categorical_weight'"),
        ({'categorical_weight': True}, "'categorical_weight'"),
        ({'sampling_precision': 'float16'}, "'sampling_precision'. Choose one of"),
        ({'level_cutoff': -0.1}, "'level_cutoff': it must be a number in \\[0, 1\\)"),
        ({'level_cutoff': 1}, "'level_cutoff'"),
        ({'level_cutoff': float('nan')}, "'level_cutoff'"),
        ({'level_cutoff': '0.2'}, "'level_cutoff'"),
        ({'level_cutoff': True}, "'level_cutoff'"),
        ({'pair_cutoff': -0.01}, "'pair_cutoff': it must be a number in \\[0, 1\\)"),
        ({'pair_cutoff': 1.5}, "'pair_cutoff'"),
        ({'pair_cutoff': float('nan')}, "'pair_cutoff'"),
        ({'pair_cutoff': None}, "'pair_cutoff'"),
        ({'pair_cutoff': False}, "'pair_cutoff'"),
    ],
)
def test_invalid_model_options_name_the_option(options, message):
    metadata = _metadata(_numeric_table())
    with pytest.raises(MissDiffInputError, match=message):
        MissDiffSynthesizer(metadata, model_options=options)


@pytest.mark.parametrize(
    'arguments, message',
    [
        ({'learning_rate': 0}, "'learning_rate'"),
        ({'max_one_hot_levels': 0}, "'max_one_hot_levels'"),
        ({'max_one_hot_levels': 2.5}, "'max_one_hot_levels'"),
    ],
)
def test_invalid_arguments_name_the_argument(arguments, message):
    metadata = _metadata(_numeric_table())
    with pytest.raises(MissDiffInputError, match=message):
        MissDiffSynthesizer(metadata, **arguments)


def test_unknown_model_options_are_named():
    metadata = _metadata(_numeric_table())
    with pytest.raises(MissDiffInputError, match=r"Unknown option\(s\) \['denoiser_depth'\]"):
        MissDiffSynthesizer(metadata, model_options={'denoiser_depth': 3})


@pytest.mark.parametrize('emphasis, expected', [(None, 1.0), (0, 0), (2.5, 2.5)])
def test_timestep_emphasis_reaches_the_model_and_its_training_draws(emphasis, expected):
    data = _numeric_table(64)
    options = None if emphasis is None else {'timestep_emphasis': emphasis}
    synthesizer = MissDiffSynthesizer(
        _metadata(data), epochs=1, enable_gpu=False, model_options=options
    )
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.training.timestep_emphasis == expected
    assert synthesizer.sample(5)['table'].notna().all().all()


def _mixed_table(num_rows=64):
    rng = np.random.default_rng(0)
    numbers = rng.normal(size=num_rows)
    return pd.DataFrame(
        {
            'x': numbers,
            'sign': np.where(numbers > 0, 'pos', 'neg'),
        }
    )


def test_categorical_weight_reaches_the_model_and_weighs_the_training_loss():
    # Setup: the same seeded fit with the default weight (2) and with 1.
    data = _mixed_table()
    losses = {}
    for options in ({}, {'categorical_weight': 1.0}):
        synthesizer = MissDiffSynthesizer(
            _metadata(data), epochs=2, enable_gpu=False, model_options=options
        )
        torch.manual_seed(0)
        synthesizer.fit({'table': data})
        weight = synthesizer._model.options.training.categorical_weight
        losses[weight] = synthesizer.get_loss_values()['Loss']
        assert synthesizer.sample(5)['table'].notna().all().all()

    # Assert: the weight reached the model and changed what was trained.
    assert set(losses) == {1.0, 2.0}
    assert not np.allclose(losses[1.0], losses[2.0])


# Options a synthesizer of format version 1 never had as attributes: the model's own then.
_NEVER_SAVED_BEFORE = ('dropout', 'weight_decay', 'ema_decay', 'show_missing')


def _saved_before(synthesizer, option):
    # A pickle of format version 1 (before the options were declared once), saved before
    # ``option`` existed: every other option an attribute of the synthesizer, ``option`` absent.
    state = dict(synthesizer.__dict__)
    state.update(state.pop('_options').flat())
    for name in (option, *_NEVER_SAVED_BEFORE):
        del state[name]

    state['format_version'] = 1
    old = MissDiffSynthesizer.__new__(MissDiffSynthesizer)
    old.__dict__.update(state)
    return pickle.loads(pickle.dumps(old))


def test_a_synthesizer_saved_before_categorical_weight_refits_with_weight_one():
    data = _mixed_table()
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=1, enable_gpu=False)
    synthesizer = _saved_before(synthesizer, 'categorical_weight')
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.training.categorical_weight == 1.0


def _two_level_table(num_rows=2000):
    # 'group' decides 'kind' exactly: groups a and b are always 'x', c and d always 'y'.
    rng = np.random.default_rng(0)
    group = rng.choice(['a', 'b', 'c', 'd'], size=num_rows)
    return pd.DataFrame(
        {
            'value': rng.normal(size=num_rows) + (group < 'c'),
            'group': group,
            'kind': np.where(group < 'c', 'x', 'y'),
        }
    )


def test_level_cutoff_keeps_levels_off_rows_they_never_go_with():
    # Setup: one small fit, sampled with the default cutoff and without.
    data = _two_level_table()
    synthesizer = MissDiffSynthesizer(
        _metadata(data),
        epochs=100,
        model_options={
            'denoiser_width': 64,
            'denoiser_blocks': 2,
            'pair_cutoff': 0.0,  # the floors alone
        },
        enable_gpu=False,
    )
    torch.manual_seed(0)
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.sampling.level_cutoff == 0.2
    mismatches = {}
    for cutoff in (0.0, 0.2):
        synthesizer.set_sampling_options(level_cutoff=cutoff)
        assert synthesizer._model.options.sampling.level_cutoff == cutoff
        synthesizer.set_random_state(0)
        rows = synthesizer.sample(4000)['table']
        mismatches[cutoff] = (rows['kind'] != np.where(rows['group'] < 'c', 'x', 'y')).mean()
        shares = rows['group'].value_counts(normalize=True)
        assert set(shares.index) == {'a', 'b', 'c', 'd'} and shares.min() > 0.15

    # Assert: without the cutoff the network's small share of the wrong kind shows in about
    # 0.7% of rows (27 of 4,000 with this seed); with it, in none.
    assert mismatches[0.0] > 0.002
    assert mismatches[0.2] < 0.2 * mismatches[0.0]


def _mismatches(rows):
    return (rows['kind'] != np.where(rows['group'] < 'c', 'x', 'y')).mean()


def test_pair_cutoff_keeps_levels_off_rows_they_never_go_with_where_floors_cannot():
    # Setup: a briefly trained fit, whose network pairs a group with the wrong kind far above
    # the floors (every level here is common), sampled with the default pair cutoff and without.
    data = _two_level_table()
    synthesizer = MissDiffSynthesizer(
        _metadata(data),
        epochs=5,
        model_options={'denoiser_width': 64, 'denoiser_blocks': 2},
        enable_gpu=False,
    )
    torch.manual_seed(0)
    synthesizer.fit({'table': data})
    ruled_out = synthesizer._model.fitted.excluded_pairs
    rows, shares = {}, {}
    for name, pairs in (('ruled', ruled_out), ('free', None)):
        synthesizer._model.fitted.excluded_pairs = pairs
        synthesizer.set_random_state(0)
        rows[name] = synthesizer.sample(4000)['table']
        shares[name] = rows[name]['group'].value_counts(normalize=True)

    synthesizer._model.fitted.excluded_pairs = ruled_out
    synthesizer.set_random_state(0)
    conditions = [Condition({'kind': 'y'}, num_rows=500)]
    conditioned = synthesizer.sample_from_conditions(conditions)['table']

    # Assert: each group against the other kind (2 x 2 pairs, both orders) is ruled out.
    assert synthesizer.options.training.pair_cutoff == 0.01
    assert ruled_out.shape == (2, 8)
    assert _mismatches(rows['free']) > 0.02
    assert _mismatches(rows['ruled']) == 0
    assert set(shares['ruled'].index) == {'a', 'b', 'c', 'd'} and shares['ruled'].min() > 0.15
    assert set(conditioned['group']) == {'c', 'd'}


def test_a_synthesizer_saved_before_pair_cutoff_refits_to_rule_out_no_pair():
    data = _two_level_table(200)
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=1, enable_gpu=False)
    synthesizer = _saved_before(synthesizer, 'pair_cutoff')
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.training.pair_cutoff == 0.0
    assert synthesizer._model.fitted.excluded_pairs.shape == (2, 0)


def test_a_synthesizer_saved_before_level_cutoff_refits_to_draw_every_level():
    data = _mixed_table()
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=1, enable_gpu=False)
    synthesizer = _saved_before(synthesizer, 'level_cutoff')
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.sampling.level_cutoff == 0.0


@pytest.mark.parametrize('precision', ['auto', 'float32', 'bfloat16'])
def test_sampling_precision_reaches_the_model_and_rows_stay_complete(precision):
    data = _mixed_table()
    synthesizer = MissDiffSynthesizer(
        _metadata(data), epochs=2, enable_gpu=False, model_options={'sampling_precision': precision}
    )
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.sampling.sampling_precision == precision
    rows = synthesizer.sample(20)['table']
    assert rows.notna().all().all() and set(rows['sign']) <= {'pos', 'neg'}


def test_a_synthesizer_saved_before_sampling_precision_refits_to_sample_in_float32():
    data = _mixed_table()
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=1, enable_gpu=False)
    assert synthesizer.options.sampling.sampling_precision == 'auto'
    synthesizer = _saved_before(synthesizer, 'sampling_precision')
    synthesizer.fit({'table': data})
    assert synthesizer._model.options.sampling.sampling_precision == 'float32'


def test_batch_size_none_is_256_without_privacy_and_1024_with_it():
    assert MissDiffSynthesizer(_metadata(_numeric_table())).get_parameters()['batch_size'] is None
    assert budget.batch_rows(None) == 256
    assert budget.batch_rows(None, private=True) == 1_024
    assert budget.batch_rows(64, private=True) == 64


def _resolved_epochs(synthesizer, num_rows, observed_share=1.0):
    # The passes a fit of the synthesizer's options takes over ``num_rows`` training rows.
    training = synthesizer.options.training
    batch_size = budget.batch_rows(training.batch_size)
    return budget.training_epochs(training.epochs, num_rows, batch_size, observed_share)


@pytest.mark.parametrize(
    'num_rows, expected',
    [(16_000, 96), (4_000, 375), (1_000, 500), (258, 500), (500_000, 4), (3_000_000, 1)],
)
def test_default_epochs_give_about_6000_steps_at_most_500_epochs(num_rows, expected):
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()))
    assert _resolved_epochs(synthesizer, num_rows) == expected
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()), epochs=7)
    assert _resolved_epochs(synthesizer, num_rows) == 7


@pytest.mark.parametrize(
    'observed_share, expected', [(1.0, 96), (0.8, 120), (0.5, 191), (0.25, 381), (0.1, 381)]
)
def test_default_epochs_grow_as_the_observed_cells_shrink(observed_share, expected):
    # 16,000 rows are 63 steps an epoch: 6,000 steps over the observed share, at most 4 times.
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()))
    assert _resolved_epochs(synthesizer, 16_000, observed_share) == expected


def test_a_fit_counts_the_observed_cells_into_its_budget():
    # Setup: 'a' holds a value in every other row, 'b' in every row: 3 cells of 4 observed.
    data = _numeric_table(300)
    data.loc[data.index % 2 == 0, 'a'] = np.nan
    synthesizer = MissDiffSynthesizer(_metadata(data), batch_size=300)

    # Run
    with patch.object(budget, 'training_epochs', return_value=1) as resolve:
        synthesizer.fit({'table': data})

    # Assert: epochs=None, 300 rows, batches of 300, 3 of 4 cells observed.
    assert resolve.call_args.args == (None, 300, 300, pytest.approx(0.75))


@pytest.mark.parametrize(
    'options, num_rows, expected',
    [({}, 999, 128), ({}, 1_000, 256), ({}, 16_000, 256), ({'denoiser_width': 64}, 500, 64)],
)
def test_default_width_is_narrower_for_tables_under_1000_rows(options, num_rows, expected):
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()), model_options=options)
    width = synthesizer.options.network.denoiser_width
    assert budget.denoiser_width(width, num_rows) == expected


def test_small_table_fits_the_narrow_denoiser_on_every_row():
    # Setup: 50 rows, defaults but for a short budget.
    torch.manual_seed(0)
    table = _numeric_table()
    synthesizer = MissDiffSynthesizer(_metadata(table), epochs=2)

    # Run
    synthesizer.fit({'table': table})

    # Assert: nothing held out, the 128-wide denoiser.
    model = synthesizer._model
    assert model.options.training.validation_share == 0.0 and model.stopped_epoch is None
    assert model.denoiser_width == 128
    assert model.denoiser.input_layer.out_features == 128


@pytest.mark.parametrize('options, expected', [({}, 0.0), ({'validation_share': 0.2}, 0.2)])
def test_validation_share_holds_out_only_when_asked(options, expected):
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()), model_options=options)
    assert synthesizer.options.training.validation_share == expected


def test_fit_with_held_out_rows_stops_on_their_loss():
    # Setup: 50 rows and 2,000 epochs, far more than such a table needs.
    torch.manual_seed(0)
    table = _numeric_table()
    synthesizer = MissDiffSynthesizer(
        _metadata(table),
        epochs=2_000,
        model_options={'validation_share': 0.1, 'denoiser_width': 32, 'denoiser_blocks': 1},
    )

    # Run
    synthesizer.fit({'table': table})

    # Assert
    model = synthesizer._model
    assert model.stopped_epoch is not None and model.stopped_epoch < model.epochs
    assert len(synthesizer.get_loss_values()) == model.stopped_epoch
    assert len(model.validation_loss_values) >= synthesizer.options.training.patience + 1


def test_get_parameters_lists_every_argument():
    synthesizer = MissDiffSynthesizer(
        _metadata(_numeric_table()), epochs=7, model_options={'sampling_steps': 20}
    )
    parameters = synthesizer.get_parameters()
    assert parameters['epochs'] == 7
    assert parameters['model_options']['sampling_steps'] == 20
    assert parameters['model_options']['sampler'] == 'auto'
    assert parameters['model_options']['missing_data_strategy'] == 'mask'
    assert parameters['enable_gpu'] is True


def test_bad_tables_report_every_problem_at_once():
    # Setup
    data = _numeric_table()
    data['empty'] = np.nan
    data.loc[3, 'a'] = np.inf
    metadata = Metadata.load_from_dict(
        {
            'tables': {
                'table': {
                    'columns': {
                        'a': {'sdtype': 'numerical'},
                        'b': {'sdtype': 'numerical'},
                        'empty': {'sdtype': 'numerical'},
                    }
                }
            }
        }
    )
    synthesizer = MissDiffSynthesizer(metadata, epochs=1)

    # Run and Assert
    with pytest.raises(InvalidDataError) as error:
        synthesizer.fit({'table': data})

    message = str(error.value)
    assert "Column 'empty' has no observed value" in message
    assert "Column 'a' contains infinite values" in message


def test_an_empty_table_is_refused():
    data = _numeric_table(10)
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=1)
    with pytest.raises(InvalidDataError, match='needs at least one row'):
        synthesizer.fit({'table': data.head(0)})


def test_a_single_row_table_fits_and_samples_its_row_as_sdv_does():
    # Setup
    data = _numeric_table(10).head(1)
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=20)

    # Run
    synthesizer.fit({'table': data})
    sampled = synthesizer.sample(5)['table']

    # Assert: within the fitted range, which is the one row's values.
    assert len(sampled) == 5
    for column in data.columns:
        np.testing.assert_allclose(sampled[column], data[column].iloc[0])


def test_drop_strategy_without_complete_rows_is_refused():
    data = _numeric_table(10)
    data.loc[::2, 'a'] = np.nan
    data.loc[1::2, 'b'] = np.nan
    synthesizer = MissDiffSynthesizer(
        _metadata(data), epochs=1, model_options={'missing_data_strategy': 'drop'}
    )
    message = "no row is complete. Use missing_data_strategy='mask'"
    with pytest.raises(InvalidDataError, match=message):
        synthesizer.fit({'table': data})


def test_loss_values_need_a_fit():
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()))
    with pytest.raises(NotFittedError, match='fit your synthesizer first'):
        synthesizer.get_loss_values()


def test_rows_with_every_cell_missing_are_left_out_with_a_warning():
    # Setup
    data = _numeric_table(40)
    data.loc[[5, 6], ['a', 'b']] = np.nan
    synthesizer = MissDiffSynthesizer(
        _metadata(data), epochs=1, model_options={'denoiser_width': 16}
    )

    # Run
    with pytest.warns(UserWarning, match='2 row\\(s\\) have every modeled cell missing'):
        synthesizer.fit({'table': data})

    # Assert
    assert synthesizer._num_training_rows == 38
    assert not synthesizer.sample(5)['table'].isna().any().any()


def test_diverging_training_stops_with_an_error():
    from sdv_missdiff.errors import TrainingDivergedError

    data = _numeric_table(200)
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=5, learning_rate=1e12)
    with pytest.raises(TrainingDivergedError, match='training was stopped'):
        synthesizer.fit({'table': data})

    assert not synthesizer._fitted


def _half_missing_table(seed=0, num_rows=1500):
    rng = np.random.default_rng(seed)
    x = rng.normal(50, 10, num_rows)
    y = 0.8 * (x - 50) / 10 + 0.6 * rng.normal(size=num_rows)
    data = pd.DataFrame({'x': x, 'y': y})
    masked = data.copy()
    masked.loc[rng.random(num_rows) < 0.5, 'x'] = np.nan
    return data, masked


def test_half_missing_column_keeps_its_spread_where_mean_imputation_shrinks_it():
    # Setup
    data, masked = _half_missing_table()
    metadata = _metadata(masked)
    network = {'denoiser_width': 64, 'denoiser_blocks': 2}
    missdiff = MissDiffSynthesizer(metadata, epochs=100, batch_size=64, model_options=network)
    diff_mean = MissDiffSynthesizer(
        metadata,
        epochs=100,
        batch_size=64,
        model_options={**network, 'missing_data_strategy': 'mean'},
    )

    # Run
    torch.manual_seed(0)
    missdiff.fit({'table': masked})
    torch.manual_seed(0)
    diff_mean.fit({'table': masked})
    missdiff_std = missdiff.sample(3000)['table']['x'].std()
    diff_mean_std = diff_mean.sample(3000)['table']['x'].std()

    # Assert: the true std is 10; mean imputation of half the cells leaves about 10 / sqrt(2).
    assert missdiff_std == pytest.approx(10, rel=0.15)
    assert diff_mean_std < 8.2


@pytest.mark.parametrize('seed', [-1, 1.5, '3', True])
def test_set_random_state_refuses_what_is_not_a_seed(synthesizer, seed):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match="'random_state'"):
        synthesizer.set_random_state(seed)


def test_set_random_state_needs_a_fit():
    # Setup
    synthesizer = MissDiffSynthesizer(dependent_table_metadata())

    # Run and Assert
    with pytest.raises(SamplingError, match='fit'):
        synthesizer.set_random_state(0)


def test_set_random_state_none_gives_fresh_rows(synthesizer):
    # Setup
    synthesizer.set_random_state(0)
    seeded = synthesizer.sample(30)['table']

    # Run
    synthesizer.set_random_state(None)
    first = synthesizer.sample(30)['table']
    second = synthesizer.sample(30)['table']

    # Assert
    assert not first.equals(second)
    assert not first.equals(seeded)


MIXED_DATETIMES = pd.Series(
    ['2020-01-05', '05/01/2020', 'Jan 5 2020', np.nan, '2020-02-01', 'soon']
)


def _datetime_metadata(datetime_format=None):
    when = {'sdtype': 'datetime'}
    if datetime_format:
        when['datetime_format'] = datetime_format

    columns = {'x': {'sdtype': 'numerical'}, 'when': when}
    return Metadata.load_from_dict({'tables': {'t': {'columns': columns}}})


def test_fit_reports_mixed_datetime_formats_before_rdt_fails():
    # Setup: every value parses on its own (SDV checks that), but not with one format
    data = pd.DataFrame({'x': np.arange(5.0), 'when': MIXED_DATETIMES.iloc[:5]})
    synthesizer = MissDiffSynthesizer(_datetime_metadata(), epochs=1)

    # Run and Assert
    with pytest.raises(InvalidDataError, match=r"Column 'when'.*'%m/%d/%Y'"):
        synthesizer.fit({'t': data})


def test_with_a_datetime_format_sdv_names_the_column_itself():
    # Setup
    data = pd.DataFrame({'x': np.arange(6.0), 'when': MIXED_DATETIMES})
    synthesizer = MissDiffSynthesizer(_datetime_metadata('%Y-%m-%d'), epochs=1)

    # Run and Assert
    with pytest.raises(InvalidDataError, match="datetime column 'when'"):
        synthesizer.fit({'t': data})


@pytest.mark.parametrize('sampler', ['ancestral', 'ddim', 'dpm++2m'])
def test_every_sampler_gives_rows_in_range_that_a_saved_copy_repeats(sampler, tmp_path):
    # Setup
    from sdv.utils import load_synthesizer

    data = _numeric_table(200)
    data.loc[::4, 'b'] = np.nan
    synthesizer = MissDiffSynthesizer(_metadata(data), epochs=5, model_options={'sampler': sampler})
    synthesizer.fit({'table': data})
    synthesizer.save(tmp_path / 'synthesizer.pkl')
    restored = load_synthesizer(str(tmp_path / 'synthesizer.pkl'))

    # Run
    synthesizer.set_random_state(2)
    rows = synthesizer.sample(300)['table']
    restored.set_random_state(2)
    again = restored.sample(300)['table']

    # Assert: complete rows inside the observed range (min/max enforced, up to the float
    # round trip), the same after loading.
    assert rows.notna().all().all() and len(rows) == 300
    for column in ('a', 'b'):
        low, high = data[column].min() - 1e-9, data[column].max() + 1e-9
        assert rows[column].between(low, high).all()
    pd.testing.assert_frame_equal(rows, again)


def test_auto_sampler_takes_dpm_solver_steps_for_new_rows_and_ancestral_ones_around_known_cells():
    # Setup
    synthesizer = MissDiffSynthesizer(_metadata(_numeric_table()), epochs=2)
    synthesizer.fit({'table': _numeric_table()})
    model = synthesizer._model

    # Run
    new_rows = model.make_sampler(known=False)
    around_known = model.make_sampler(known=True)
    fixed = model.make_sampler(12, known=False)

    # Assert: each sampler with its own default number of steps, or the one asked for.
    assert type(new_rows).__name__ == 'DPMSolverSampler' and len(new_rows.timesteps) == 25
    assert type(around_known).__name__ == 'AncestralSampler'
    assert len(around_known.timesteps) == 50
    assert len(fixed.timesteps) == 12
