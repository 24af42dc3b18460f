import copy
import pickle

import numpy as np
import pytest
import torch

from sdv_missdiff.diffusion.denoisers import (
    ColumnAttentionDenoiser,
    ColumnLayout,
    Denoiser,
    make_denoiser,
)


def _mixed_layout():
    # Two continuous columns, a 3-level one-hot block and a frequency column: 6 dimensions.
    return ColumnLayout.from_column_index(
        [0, 1, 2, 2, 2, 3], ['continuous', 'continuous', 'one_hot', 'frequency']
    )


def _small(layout, **options):
    options = {'hidden_dimensions': 16, 'num_blocks': 1, 'token_dimensions': 8, **options}
    return ColumnAttentionDenoiser(layout, num_heads=2, time_dimensions=8, **options)


@pytest.mark.parametrize('conditional', [False, True])
def test_predicts_noise_shaped_like_the_rows(conditional):
    # Setup
    torch.manual_seed(0)
    layout = _mixed_layout()
    network = _small(layout, conditional=conditional, periodic_embedding=4)
    rows = torch.randn(7, 6)
    condition = torch.zeros(7, 6)
    condition[:, 2:5] = 1

    # Run
    output = network(rows, torch.randint(1, 10, (7,)), condition, torch.zeros(7, 6))

    # Assert
    assert output.shape == (7, 6)
    assert torch.isfinite(output).all()
    assert network.layout is layout
    assert network.data_dimensions == 6
    assert isinstance(network, Denoiser)


def test_takes_an_int_as_that_many_continuous_columns():
    # Run
    network = _small(3)

    # Assert
    assert network.layout == ColumnLayout.continuous(3)
    assert network(torch.randn(2, 3), torch.tensor([1, 2])).shape == (2, 3)


def test_a_token_sees_only_its_own_column_before_attention():
    # Setup: with periodic features too, which must feed only their own column's token.
    torch.manual_seed(0)
    network = _small(_mixed_layout(), conditional=True, periodic_embedding=4)
    rows = torch.randn(5, 6)
    timesteps = torch.randint(1, 10, (5,))
    changed = rows.clone()
    changed[:, 2:5] += torch.randn(5, 3)  # the one-hot column (column 2) only

    # Run
    with torch.no_grad():
        before = network.tokenize(rows, timesteps)
        after = network.tokenize(changed, timesteps)

    # Assert
    assert before.shape == (5, 4, 8)
    torch.testing.assert_close(after[:, [0, 1, 3]], before[:, [0, 1, 3]], rtol=0, atol=0)
    assert not torch.allclose(after[:, 2], before[:, 2])
    # Outside its block the weight stays 0 through training: its gradient is masked away.
    network.tokenize(rows, timesteps).sum().backward()
    outside = network.token_mask == 0
    assert (network.token_weight.grad[outside] == 0).all()
    assert (network.head_mask.T == network.token_mask[:6]).all()


def test_the_cell_state_changes_the_prediction():
    # Setup: same values; column 0 known, missing, or to generate.
    torch.manual_seed(0)
    network = _small(_mixed_layout(), conditional=True)
    rows = torch.randn(4, 6)
    timesteps = torch.full((4,), 3)
    known = torch.zeros(4, 6)
    known[:, 0] = 1

    # Run
    with torch.no_grad():
        generated = network(rows, timesteps)
        conditioned = network(rows, timesteps, known)
        missing = network(rows, timesteps, None, known)
        plain = _small(_mixed_layout())
        ignored = plain(rows, timesteps, known, known)
        unconditional = plain(rows, timesteps)

    # Assert
    assert not torch.allclose(conditioned, generated)
    assert not torch.allclose(missing, generated)
    assert not torch.allclose(missing, conditioned)
    assert torch.equal(ignored, unconditional)  # the masks are ignored without conditional


def test_is_registered_as_column_attention():
    # Run
    torch.manual_seed(0)
    built = make_denoiser(
        'column_attention', _mixed_layout(), conditional=True, hidden_dimensions=32, num_blocks=1
    )

    # Assert
    assert isinstance(built, ColumnAttentionDenoiser)
    assert built.conditional
    assert len(built.layers) == 1
    assert built.layers[0].linear1.out_features == 32


def test_rejects_heads_that_do_not_divide_the_token():
    with pytest.raises(ValueError, match='multiple of num_heads'):
        ColumnAttentionDenoiser(3, token_dimensions=10, num_heads=4)


def test_learns_a_level_from_a_known_column():
    # Setup: x known, g = sign(x) a hidden 2-level block, z noise; g must attend to x.
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layout = ColumnLayout.from_column_index([0, 1, 1, 2], ['continuous', 'one_hot', 'continuous'])
    network = _small(layout, conditional=True)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-2)
    condition = torch.zeros(1, 4)
    condition[:, 0] = 1

    def batch(num_rows):
        x = torch.randn(num_rows, 1)
        rows = torch.cat([x, torch.zeros(num_rows, 2), torch.randn(num_rows, 1)], dim=1)
        return rows, (x[:, 0] > 0).long(), torch.randint(1, 50, (num_rows,))

    # Run
    for _ in range(300):
        rows, levels, timesteps = batch(128)
        logits = network(rows, timesteps, condition.expand(128, 4))[:, 1:3]
        loss = torch.nn.functional.cross_entropy(logits, levels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    # Assert
    rows, levels, timesteps = batch(1000)
    with torch.no_grad():
        logits = network(rows, timesteps, condition.expand(1000, 4))[:, 1:3]

    assert (logits.argmax(dim=1) == levels).float().mean() > 0.95


def _gradients(network, rows, timesteps, condition):
    network.zero_grad()
    network(rows, timesteps, condition).square().mean().backward()
    return torch.cat([parameter.grad.ravel() for parameter in network.parameters()])


def test_gradients_are_identical_across_calls_with_two_threads():
    # Setup: many rows share few steps and states, the case where indexing's backward added
    # gradients in thread order (spreading the step embedding by indexing fails here).
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    network = _small(ColumnLayout.continuous(8), conditional=True, periodic_embedding=4)
    rows = torch.randn(4096, 8)
    timesteps = torch.randint(1, 10, (4096,))
    condition = (torch.rand(4096, 8) < 0.3).float()

    # Run
    gradients = [_gradients(network, rows, timesteps, condition) for _ in range(4)]
    torch.set_num_threads(threads)

    # Assert
    for other in gradients[1:]:
        assert torch.equal(gradients[0], other)


def test_copies_and_pickles_predict_identically():
    # Setup
    torch.manual_seed(0)
    network = _small(_mixed_layout(), conditional=True, periodic_embedding=4).eval()
    rows = torch.randn(9, 6)
    timesteps = torch.randint(1, 10, (9,))
    condition = torch.zeros(9, 6)
    condition[:, 0] = 1

    # Run
    with torch.no_grad():
        expected = network(rows, timesteps, condition)
        copied = copy.deepcopy(network)(rows, timesteps, condition)
        unpickled = pickle.loads(pickle.dumps(network))(rows, timesteps, condition)

    # Assert
    assert torch.equal(copied, expected)
    assert torch.equal(unpickled, expected)


def test_same_seed_builds_the_same_network():
    # Run
    torch.manual_seed(3)
    first = _small(_mixed_layout(), periodic_embedding=4)
    torch.manual_seed(3)
    second = _small(_mixed_layout(), periodic_embedding=4)

    # Assert
    for first_parameter, second_parameter in zip(first.parameters(), second.parameters()):
        assert torch.equal(first_parameter, second_parameter)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_predicts_on_cuda_as_on_the_cpu():
    # Setup
    torch.manual_seed(0)
    network = _small(_mixed_layout(), conditional=True, periodic_embedding=4)
    rows = torch.randn(16, 6)
    timesteps = torch.randint(1, 10, (16,))
    condition = torch.zeros(16, 6)
    condition[:, 0] = 1

    # Run
    expected = network(rows, timesteps, condition)
    on_device = network.to('cuda')(rows.cuda(), timesteps.cuda(), condition.cuda())

    # Assert
    torch.testing.assert_close(on_device.cpu(), expected, rtol=1e-4, atol=1e-4)


def test_plugs_into_the_diffusion_model():
    # Setup: a continuous column and a 3-level one-hot block, masked categorical diffusion.
    from sdv_missdiff.diffusion.model import MaskedDiffusionModel

    rng = np.random.default_rng(0)
    values = -np.ones((60, 4), np.float32)
    values[:, 0] = rng.normal(size=60)
    values[np.arange(60), 1 + np.arange(60) % 3] = 1
    model = MaskedDiffusionModel(
        denoiser='column_attention',
        epochs=2,
        denoiser_width=16,
        denoiser_blocks=1,
        periodic_embedding=0,
        num_timesteps=10,
        conditional_share=0.5,
        categorical_diffusion='masked',
        enable_gpu=False,
    )

    # Run
    model.fit(
        values,
        np.ones_like(values),
        seed=0,
        column_index=[0, 1, 1, 1],
        column_kinds=['continuous', 'one_hot'],
    )
    known = np.zeros((5, 4), np.float32)
    known[:, 0] = 0.5
    mask = np.zeros_like(known)
    mask[:, 0] = 1
    model.set_random_state(0)
    samples = model.sample(5, known_values=known, known_mask=mask)

    # Assert
    assert isinstance(model.denoiser, ColumnAttentionDenoiser)
    assert samples.shape == (5, 4)
    assert (samples[:, 0] == 0.5).all()
    assert np.isfinite(samples).all()
