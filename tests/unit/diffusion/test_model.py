import pickle

import numpy as np
import pytest
import torch

from sdv_missdiff.diffusion.model import MaskedDiffusionModel as _Model
from sdv_missdiff.diffusion.options import ModelOptions
from sdv_missdiff.diffusion.pickle_format import BEFORE_THE_OPTION
from sdv_missdiff.diffusion.sampler_choice import redrawn_holes

# The model's behaviour these tests were written for: the paper's unconditional model with
# Gaussian one-hot blocks, ancestral steps in float32 and no level rules, i.e. the model of before
# the options (what an old pickle lacking an option did), at its old size.
PLAIN = ModelOptions.from_flat(
    {
        **BEFORE_THE_OPTION,
        'epochs': 300,
        'batch_size': 500,
        'denoiser_width': 256,
        'conditional_share': 0.0,
        'categorical_diffusion': 'gaussian',
    }
)


def MaskedDiffusionModel(enable_gpu=True, **changes):  # noqa: N802
    return _Model(PLAIN, enable_gpu=enable_gpu, **changes)


def _correlated_rows(num_rows=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    y = 0.9 * x + np.sqrt(1 - 0.81) * rng.normal(size=num_rows)
    return np.stack([x, y], axis=1).astype(np.float32)


def test_fit_is_repeatable_with_a_seed():
    # Setup
    data = _correlated_rows()
    observed = np.ones_like(data)
    first = MaskedDiffusionModel(epochs=3, denoiser_width=32, denoiser_blocks=1, enable_gpu=False)
    second = MaskedDiffusionModel(epochs=3, denoiser_width=32, denoiser_blocks=1, enable_gpu=False)

    # Run
    first.fit(data, observed, seed=3)
    second.fit(data, observed, seed=3)

    # Assert
    assert first.loss_values == second.loss_values
    first.set_random_state(1)
    second.set_random_state(1)
    np.testing.assert_array_equal(first.sample(50), second.sample(50))


def test_fit_reads_missing_dimensions_as_zero_whatever_they_hold():
    # Setup: the same table with 0, NaN or junk in its missing dimensions.
    data = _correlated_rows()
    observed = np.ones_like(data)
    observed[::3, 1] = 0
    filled = {
        'zero': np.where(observed == 1, data, 0.0).astype(np.float32),
        'nan': np.where(observed == 1, data, np.nan).astype(np.float32),
        'junk': np.where(observed == 1, data, 123.0).astype(np.float32),
    }

    # Run
    losses = {}
    for name, values in filled.items():
        model = MaskedDiffusionModel(epochs=2, denoiser_width=16, denoiser_blocks=1)
        model.fit(values, observed, seed=0)
        losses[name] = model.loss_values

    # Assert: a zero-filled table is trained on in place, the others through a filled copy.
    assert np.isfinite(losses['nan']).all()
    assert losses['nan'] == losses['zero'] == losses['junk']
    assert np.isnan(filled['nan'][::3, 1]).all()  # the caller's array is left as it was


def test_learns_correlation_from_incomplete_rows():
    # Setup: 30% of cells hidden at random.
    data = _correlated_rows(num_rows=2000)
    observed = (np.random.default_rng(1).random(data.shape) > 0.3).astype(np.float32)
    model = MaskedDiffusionModel(epochs=40, batch_size=256, denoiser_width=64, denoiser_blocks=2)

    # Run
    model.fit(data * observed, observed, seed=0)
    model.set_random_state(0)
    samples = model.sample(3000)

    # Assert
    assert np.corrcoef(samples.T)[0, 1] > 0.75
    assert samples.std(axis=0) == pytest.approx([1.0, 1.0], abs=0.15)


def test_inpainting_keeps_known_cells_and_follows_them():
    # Setup
    data = _correlated_rows(num_rows=2000)
    model = MaskedDiffusionModel(epochs=40, batch_size=256, denoiser_width=64, denoiser_blocks=2)
    model.fit(data, np.ones_like(data), seed=0)
    model.set_random_state(0)
    known = np.zeros((500, 2), dtype=np.float32)
    known[:, 0] = 1.5
    mask = np.zeros_like(known)
    mask[:, 0] = 1

    # Run
    samples = model.sample(500, known_values=known, known_mask=mask, num_resamples=10)

    # Assert
    assert (samples[:, 0] == 1.5).all()
    assert samples[:, 1].mean() == pytest.approx(0.9 * 1.5, abs=0.25)


def test_fewer_sampling_steps_sample_the_same_distribution():
    data = _correlated_rows(num_rows=2000)
    model = MaskedDiffusionModel(
        epochs=40, batch_size=256, denoiser_width=64, denoiser_blocks=2, sampling_steps=20
    )
    model.fit(data, np.ones_like(data), seed=0)
    model.set_random_state(0)
    samples = model.sample(3000)
    assert np.corrcoef(samples.T)[0, 1] > 0.75
    assert samples.std(axis=0) == pytest.approx([1.0, 1.0], abs=0.2)


def test_pickled_model_samples_identically():
    data = _correlated_rows()
    model = MaskedDiffusionModel(epochs=2, denoiser_width=16, denoiser_blocks=1)
    model.fit(data, np.ones_like(data), seed=0)
    model.set_random_state(7)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.device == torch.device('cpu') or torch.cuda.is_available()
    np.testing.assert_array_equal(model.sample(20), restored.sample(20))


def test_sampling_on_a_cpu_goes_in_cache_sized_chunks_by_default():
    # Setup: 5,000 rows are two chunks of the CPU's default (4,096 rows), one of 20,000.
    data = _correlated_rows()
    model = MaskedDiffusionModel(epochs=1, denoiser_width=16, denoiser_blocks=1, enable_gpu=False)
    model.fit(data, np.ones_like(data), seed=0)

    # Run
    rows = {}
    for batch_size in (None, 4_096, 20_000):
        model.set_random_state(3)
        rows[batch_size] = model.sample(5_000, sampling_steps=5, batch_size=batch_size)

    # Assert: the default draws exactly the rows of 4,096-row chunks (the noise of each chunk
    # is drawn in turn), not those of one batch.
    np.testing.assert_array_equal(rows[None], rows[4_096])
    assert not np.array_equal(rows[None], rows[20_000])


def test_conditional_model_generates_from_known_cells_without_resampling():
    # Setup: 30% of cells hidden at random.
    data = _correlated_rows(num_rows=2000)
    observed = (np.random.default_rng(1).random(data.shape) > 0.3).astype(np.float32)
    model = MaskedDiffusionModel(
        epochs=120, batch_size=256, denoiser_width=64, denoiser_blocks=2, conditional_share=0.5
    )
    model.fit(data * observed, observed, seed=0)
    model.set_random_state(0)
    known = np.zeros((1000, 2), dtype=np.float32)
    known[:500, 0] = 1.5
    known[500:, 0] = -1.0
    mask = np.zeros_like(known)
    mask[:, 0] = 1

    # Run
    conditional = model.sample(1000, known_values=known, known_mask=mask)
    unconditional = model.sample(3000)

    # Assert: y | x ~ N(0.9 x, 0.19), and the model still samples the joint.
    assert (conditional[:, 0] == known[:, 0]).all()
    assert conditional[:500, 1].mean() == pytest.approx(0.9 * 1.5, abs=0.1)
    assert conditional[500:, 1].mean() == pytest.approx(-0.9, abs=0.1)
    assert conditional[:500, 1].std() == pytest.approx(np.sqrt(0.19), abs=0.1)
    # Missing cells are shown as missing, so the holes do not weaken the dependence (the
    # paper's zero fill learns about 0.79 here).
    assert np.corrcoef(unconditional.T)[0, 1] > 0.85
    assert unconditional.std(axis=0) == pytest.approx([1.0, 1.0], abs=0.15)


@pytest.mark.parametrize('num_resamples', [0, 1.5, True])
def test_sample_rejects_invalid_num_resamples(num_resamples):
    model = MaskedDiffusionModel(epochs=1, denoiser_width=8, denoiser_blocks=1, num_timesteps=10)
    model.fit(_correlated_rows(50), np.ones((50, 2), np.float32), seed=0)
    with pytest.raises(ValueError, match="Invalid value .* for 'num_resamples'"):
        model.sample(1, num_resamples=num_resamples)


def test_fit_tells_the_denoiser_the_column_layout():
    # Setup: a continuous column and a 3-level one-hot block.
    values = np.zeros((30, 4), np.float32)
    values[:, 0] = np.linspace(-1, 1, 30)
    values[np.arange(30), 1 + np.arange(30) % 3] = 1
    model = MaskedDiffusionModel(epochs=1, denoiser_width=8, denoiser_blocks=1, num_timesteps=10)

    # Run
    model.fit(values, np.ones_like(values), seed=0, column_index=[0, 1, 1, 1])

    # Assert
    assert model.denoiser.layout.spans == [slice(0, 1), slice(1, 4)]
    assert model.denoiser.layout.kinds == ('continuous', 'one_hot')
    assert model.sample(3).shape == (3, 4)
    assert model.sample(0).shape == (0, 4)


def test_parameterizations_recover_the_clean_row_from_their_target():
    from sdv_missdiff.diffusion.parameterization import clean_estimate, training_target

    torch.manual_seed(0)
    x0, noise = torch.randn(5, 3), torch.randn(5, 3)
    signal, noise_scale = torch.tensor(0.3), torch.tensor(0.91**0.5)
    noisy = signal * x0 + noise_scale * noise
    for velocity in (None, torch.tensor([True, False, True])):
        target = training_target(x0, noise, signal, noise_scale, velocity)
        estimate = clean_estimate(noisy, target, signal, noise_scale, velocity)
        torch.testing.assert_close(estimate, x0)


def _sign_rows(num_rows=1500, seed=0):
    # Columns: x (one dimension) and g = sign(x) as a one-hot block of two levels (+1 / -1).
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    positive = x > 0
    block = np.where(positive[:, None], [[-1.0, 1.0]], [[1.0, -1.0]])
    return np.column_stack([x, block]).astype(np.float32), positive


def _fit_sign_model(conditional_share=0.5, categorical_diffusion='masked'):
    rows, positive = _sign_rows()
    model = MaskedDiffusionModel(
        epochs=60,
        batch_size=128,
        denoiser_width=64,
        denoiser_blocks=2,
        conditional_share=conditional_share,
        categorical_diffusion=categorical_diffusion,
        sampling_steps=20,
        enable_gpu=False,
    )
    model.fit(
        rows,
        np.ones_like(rows),
        seed=0,
        column_index=np.array([0, 1, 1]),
        column_kinds=['continuous', 'one_hot'],
    )
    return model


def test_most_likely_levels_name_the_category_given_the_known_cells():
    # Setup: x known, g unknown.
    torch.set_num_threads(1)
    model = _fit_sign_model()
    rows, positive = _sign_rows(400, seed=1)
    mask = np.zeros_like(rows)
    mask[:, 0] = 1
    model.set_random_state(0)

    # Run
    guessed = model.most_likely_levels(rows, mask)
    probabilities = model.make_sampler().level_probabilities(
        model.denoiser,
        (torch.as_tensor(rows), torch.as_tensor(mask)),
        lambda shape: torch.zeros(shape),
    )

    # Assert
    assert model.guesses_levels
    np.testing.assert_array_equal(guessed[:, 0], rows[:, 0])  # known cells as given
    assert set(np.unique(guessed[:, 1:])) == {-1.0, 1.0}
    assert (guessed[:, 1:].sum(axis=1) == 0).all()  # one level per block
    assert ((guessed[:, 2] == 1) == positive).mean() >= 0.97
    np.testing.assert_allclose(probabilities.sum(dim=2).numpy(), 1.0, rtol=1e-5)


def test_most_likely_levels_need_a_conditional_masked_model():
    # Setup
    torch.set_num_threads(1)
    unconditional = _fit_sign_model(conditional_share=0.0)
    rows, _ = _sign_rows(10)

    # Run and Assert
    assert not unconditional.guesses_levels
    with pytest.raises(ValueError, match='needs a conditional model'):
        unconditional.most_likely_levels(rows, np.ones_like(rows))

    with pytest.raises(ValueError, match='needs one-hot blocks diffused by masking'):
        _fit_sign_model(categorical_diffusion='gaussian').make_sampler().level_probabilities(
            None, (torch.as_tensor(rows), torch.as_tensor(np.ones_like(rows))), None
        )


def test_sample_takes_its_own_number_of_steps():
    # Setup
    torch.set_num_threads(1)
    model = _fit_sign_model()
    calls = []
    forward = model.denoiser.forward

    def counting(*args, **kwargs):
        calls.append(1)
        return forward(*args, **kwargs)

    model.denoiser.forward = counting

    # Run
    model.sample(20, sampling_steps=5)
    five = len(calls)
    calls.clear()
    model.sample(20)

    # Assert: one call a step, plus the reveals of cells left hidden after the last step.
    assert 5 <= five <= 6
    assert 20 <= len(calls) <= 21
    with pytest.raises(ValueError, match="'sampling_steps'"):
        model.sample(5, sampling_steps=0)


def test_sampling_across_ranks_samples_as_before_in_one_process():
    # Setup
    from sdv_missdiff.diffusion.distributed import sampling_across_ranks

    model = MaskedDiffusionModel(epochs=2, denoiser_width=16, denoiser_blocks=1, enable_gpu=False)
    model.fit(_correlated_rows(100), np.ones((100, 2), dtype=np.float32), seed=0)
    model.set_random_state(0)
    alone = model.sample(30)

    # Run
    model.set_random_state(0)
    with sampling_across_ranks():
        inside = model.sample(30)

    # Assert
    np.testing.assert_array_equal(inside, alone)


def test_bfloat16_sampling_draws_the_float32_rows_to_bfloat16_precision(monkeypatch):
    # Setup: one fit, sampled with the same seed in each precision.
    from sdv_missdiff.diffusion import wrappers

    torch.set_num_threads(1)
    data = _correlated_rows(num_rows=2000)
    model = MaskedDiffusionModel(
        epochs=40, batch_size=256, denoiser_width=64, denoiser_blocks=2, enable_gpu=False
    )
    model.fit(data, np.ones_like(data), seed=0)

    # Run
    rows = {}
    for precision in ('float32', 'bfloat16'):
        model.set_sampling_options(sampling_precision=precision)
        model.set_random_state(0)
        rows[precision] = model.sample(3000, sampling_steps=20)

    # Assert: other rows (bfloat16 products), the same distribution, float32 output.
    assert rows['bfloat16'].dtype == np.float32
    assert not np.array_equal(rows['float32'], rows['bfloat16'])
    assert np.abs(rows['float32'] - rows['bfloat16']).mean() < 0.1
    assert np.corrcoef(rows['bfloat16'].T)[0, 1] > 0.75
    assert rows['bfloat16'].std(axis=0) == pytest.approx([1.0, 1.0], abs=0.2)

    # 'auto' takes bfloat16 exactly where the CPU multiplies it in hardware.
    model.set_sampling_options(sampling_precision='auto')
    for in_hardware, expected in ((True, 'bfloat16'), (False, 'float32')):
        probe = lambda _, answer=in_hardware: answer  # noqa: E731
        monkeypatch.setattr(wrappers, 'multiplies_bfloat16_in_hardware', probe)
        model.set_random_state(0)
        np.testing.assert_array_equal(model.sample(3000, sampling_steps=20), rows[expected])


def test_invalid_sampling_precision_is_refused():
    with pytest.raises(ValueError, match="'sampling_precision'. Choose one of"):
        MaskedDiffusionModel(sampling_precision='float16')
    with pytest.raises(ValueError, match=r"Unknown option\(s\) \['hidden_dimensions'\]"):
        MaskedDiffusionModel(hidden_dimensions=8)


def test_level_cutoff_floors_the_sampled_levels_by_their_training_frequency():
    # Setup: the sign toy, g positive in about half of the training rows.
    model = _fit_sign_model()
    rows, positive = _sign_rows()

    # Run
    model.set_sampling_options(level_cutoff=0.01)
    floors = model.make_sampler(known=False).one_hot_blocks.policy.floors
    pickled = pickle.loads(pickle.dumps(model))

    # Assert
    frequencies = model.fitted.level_frequencies
    share = float(positive.mean())
    torch.testing.assert_close(frequencies, torch.tensor([[1 - share, share]]))
    torch.testing.assert_close(floors, 0.01 * frequencies)
    torch.testing.assert_close(pickled.fitted.level_frequencies, frequencies)
    model.set_sampling_options(level_cutoff=0.0)
    assert model.make_sampler(known=False).one_hot_blocks.policy.floors is None


def _fit_masked_model(rows, column_index, pair_cutoff, epochs, width, blocks, **fit_options):
    # A conditional model with masked one-hot columns: a continuous column, then one-hot ones.
    model = MaskedDiffusionModel(
        epochs=epochs,
        batch_size=128,
        denoiser_width=width,
        denoiser_blocks=blocks,
        conditional_share=0.5,
        sampling_steps=10,
        categorical_diffusion='masked',
        pair_cutoff=pair_cutoff,
        enable_gpu=False,
    )
    kinds = ['continuous'] + ['one_hot'] * (int(column_index[-1]))
    model.fit(
        rows,
        np.ones_like(rows),
        seed=0,
        column_index=np.asarray(column_index),
        column_kinds=kinds,
        **fit_options,
    )
    return model


def _fit_twin_model(pair_cutoff, epochs=2):
    # Columns: x, g = sign(x) (dims 1-2) and its twin h = g (dims 3-4); briefly trained.
    rows, _ = _sign_rows()
    rows = np.column_stack([rows, rows[:, 1:]])
    return _fit_masked_model(rows, [0, 1, 1, 2, 2], pair_cutoff, epochs, width=32, blocks=1), rows


def test_pair_cutoff_keeps_the_levels_of_twin_columns_together():
    # Setup
    model, rows = _fit_twin_model(pair_cutoff=0.01)
    pairs = set(map(tuple, model.fitted.excluded_pairs.T.tolist()))

    # Run
    model.set_random_state(0)
    ruled = model.sample(2000)
    pickled = pickle.loads(pickle.dumps(model))
    model.fitted.excluded_pairs = None
    model.set_random_state(0)
    free = model.sample(2000)

    # Assert: g- never with h+, g+ never with h- (both orders); the barely trained network
    # pairs them wrongly in many rows without the rule.
    assert pairs == {(1, 4), (4, 1), (2, 3), (3, 2)}
    assert (ruled[:, 1] == ruled[:, 3]).all()
    assert (free[:, 1] != free[:, 3]).mean() > 0.05
    assert set(map(tuple, pickled.fitted.excluded_pairs.T.tolist())) == pairs
    assert _fit_twin_model(pair_cutoff=0.0)[0].fitted.excluded_pairs.shape == (2, 0)


def test_most_likely_levels_keep_clear_of_levels_a_known_cell_rules_out():
    # Setup: g known, h to guess.
    model, rows = _fit_twin_model(pair_cutoff=0.01)
    mask = np.zeros_like(rows)
    mask[:, :3] = 1
    guessed = {}

    # Run
    for name, pairs in (('ruled', model.fitted.excluded_pairs), ('free', None)):
        model.fitted.excluded_pairs = pairs
        model.set_random_state(0)
        guessed[name] = model.most_likely_levels(rows, mask)

    # Assert
    assert (guessed['ruled'][:, 3] == rows[:, 1]).all()
    assert (guessed['free'][:, 3] != rows[:, 1]).mean() > 0.02


def _fit_hole_model(pair_cutoff=0.01):
    # Columns: x; g, whose level is its hole where x > 1, '+' where 0 < x <= 1, '-' elsewhere
    # (dims 1-3, the hole last); h, missing exactly where g is (dims 4-5, the hole last).
    rng = np.random.default_rng(0)
    x = rng.normal(size=1500)
    level = np.where(x > 1.0, 2, np.where(x > 0, 1, 0))
    g = np.where(np.arange(3) == level[:, None], 1.0, -1.0)
    h = np.where(np.arange(2) == (level[:, None] == 2), 1.0, -1.0)
    rows = np.column_stack([x, g, h]).astype(np.float32)
    hole_levels = np.array([False, False, False, True, False, True])
    column_index = [0, 1, 1, 1, 2, 2]
    return _fit_masked_model(
        rows, column_index, pair_cutoff, 60, width=64, blocks=2, hole_levels=hole_levels
    )


def test_sampled_holes_are_drawn_again_given_the_finished_row():
    # Setup
    model = _fit_hole_model()
    sampler = model.make_sampler(known=False)

    # Run
    model.set_random_state(0)
    rows = model.sample(4000)
    pickled = pickle.loads(pickle.dumps(model))
    redrawn = redrawn_holes(model, sampler)
    for_imputation = redrawn_holes(model, sampler, torch.tensor([False] * 5 + [True]))
    model.fitted.structural_holes = None
    model.set_random_state(0)
    drawn = model.sample(4000)  # the same rows before the redraw (one batch)

    # Assert: both holes are redrawn (a ruled-out pair ties them), a hole level excluded (as
    # imputation excludes them) is not; the holes follow x (measured 0.89 of the rows above
    # 1.2, 0.03 below 0.8)
    assert redrawn.tolist() == [False, False, False, True, False, True]
    assert for_imputation.tolist() == [False, False, False, True, False, False]
    hole = rows[:, 3] > 0
    assert (hole == (rows[:, 5] > 0)).all()
    assert hole[rows[:, 0] > 1.2].mean() > 0.8 and hole[rows[:, 0] < 0.8].mean() < 0.06
    assert pickled.fitted.structural_holes.tolist() == [False, False, False, True, False, True]
    # Only holes changed: x is as drawn, and a g drawn present that stays present keeps its level
    np.testing.assert_array_equal(rows[:, 0], drawn[:, 0])
    changed = (rows[:, 3] > 0) != (drawn[:, 3] > 0)
    assert 0 < changed.sum() < 800  # measured 448 (rows near x = 1 are a toss-up)
    present = (rows[:, 3] < 0) & (drawn[:, 3] < 0)
    np.testing.assert_array_equal(rows[present, 1:3], drawn[present, 1:3])


def test_the_hole_redraw_is_not_switched_off_by_pair_cutoff():
    # Setup: no level pair is ruled out for the reveals, yet the holes stay structural.
    model = _fit_hole_model(pair_cutoff=0.0)

    # Run
    model.set_random_state(0)
    redrawn = model.sample(500)
    model.fitted.structural_holes = None
    model.set_random_state(0)
    plain = model.sample(500)

    # Assert
    assert model.fitted.excluded_pairs.shape == (2, 0)
    assert not np.array_equal(redrawn, plain)
