import math

import torch

from sdv_missdiff.diffusion.denoisers import ColumnLayout, Denoiser, MLPDenoiser
from sdv_missdiff.diffusion.denoisers.mlp import PeriodicEmbedding


def _gradients(network, rows, timesteps):
    network.zero_grad()
    network(rows, timesteps).square().mean().backward()
    return torch.cat([parameter.grad.ravel() for parameter in network.parameters()])


def test_gradients_are_identical_across_calls_with_two_threads():
    # Setup: many rows share few steps, the case where indexing's backward added gradients in
    # thread order (two runs of the same batch differed in the time-embedding gradients).
    torch.set_num_threads(2)
    torch.manual_seed(0)
    network = MLPDenoiser(20, hidden_dimensions=64, num_blocks=1)
    rows = torch.randn(4096, 20)
    timesteps = torch.randint(1, 10, (4096,))

    # Run
    gradients = [_gradients(network, rows, timesteps) for _ in range(5)]

    # Assert
    for other in gradients[1:]:
        assert torch.equal(gradients[0], other)


def test_takes_its_width_from_the_layout():
    # Setup
    layout = ColumnLayout.from_column_index([0, 1, 1, 1, 2])

    # Run
    network = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1, conditional=True)
    output = network(torch.randn(3, 5), torch.tensor([1, 2, 3]))

    # Assert
    assert network.layout is layout
    assert network.data_dimensions == 5
    assert output.shape == (3, 5)
    assert network.input_layer.in_features == 15  # values, condition mask, missing mask
    assert isinstance(network, Denoiser)


def test_periodic_embedding_gives_cos_and_sin_of_each_frequency():
    # Setup
    torch.manual_seed(0)
    embedding = PeriodicEmbedding(2, num_frequencies=3, scale=1.0)
    values = torch.tensor([[0.0, 0.5], [1.0, -2.0]])

    # Run
    features = embedding(values)

    # Assert: (rows, scalars * 2 * frequencies), cos then sin per scalar.
    assert features.shape == (2, 12)
    assert embedding.output_dimensions == 12
    angles = 2 * math.pi * values[1, 1] * embedding.frequencies[1]
    torch.testing.assert_close(features[1, 6:9], torch.cos(angles))
    torch.testing.assert_close(features[1, 9:12], torch.sin(angles))


def test_periodic_features_feed_the_first_layer_for_scalar_columns_only():
    # Setup: a continuous column, a 3-level one-hot column, a frequency column.
    layout = ColumnLayout.from_column_index([0, 1, 1, 1, 2], ['continuous', 'one_hot', 'frequency'])

    # Run
    network = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1, periodic_embedding=4)
    plain = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1)
    output = network(torch.randn(3, 5), torch.tensor([1, 2, 3]))

    # Assert
    assert output.shape == (3, 5)
    assert network.scalar_dimensions.tolist() == [0, 4]
    assert network.input_layer.in_features == 5 + 2 * 2 * 4
    assert plain.periodic_embedding is None
    assert plain.input_layer.in_features == 5


def test_without_periodic_features_the_network_is_built_as_before():
    # Setup: the periodic frequencies are drawn only when asked for, so a seed builds the
    # same weights as a network without the option.
    layout = ColumnLayout.from_column_index([0, 1, 1], ['continuous', 'one_hot'])
    torch.manual_seed(0)
    before = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1, conditional=True)
    torch.manual_seed(0)

    # Run
    after = MLPDenoiser(
        layout, hidden_dimensions=8, num_blocks=1, conditional=True, periodic_embedding=0
    )

    # Assert
    for first, second in zip(before.parameters(), after.parameters(), strict=True):
        assert torch.equal(first, second)


def _interval_accuracy(periodic_embedding):
    # A 2-level one-hot column that alternates with 16 levels of a known number 0.15 apart (an
    # education code and its degree, in miniature): trained by cross-entropy from the number.
    torch.manual_seed(0)
    layout = ColumnLayout.from_column_index([0, 1, 1], ['continuous', 'one_hot'])
    network = MLPDenoiser(
        layout,
        hidden_dimensions=32,
        num_blocks=1,
        conditional=True,
        periodic_embedding=periodic_embedding,
    )
    codes = torch.randint(0, 16, (512,))
    rows = torch.zeros(512, 3)
    rows[:, 0] = (codes - 7.5) * 0.15
    known = torch.zeros(512, 3)
    known[:, 0] = 1.0
    labels = codes % 2
    timesteps = torch.ones(512, dtype=torch.long)
    optimiser = torch.optim.Adam(network.parameters(), lr=3e-3)
    for _ in range(300):
        optimiser.zero_grad()
        logits = network(rows, timesteps, known)[:, 1:]
        torch.nn.functional.cross_entropy(logits, labels).backward()
        optimiser.step()

    with torch.no_grad():
        predicted = network(rows, timesteps, known)[:, 1:].argmax(dim=1)

    return float((predicted == labels).float().mean())


def test_periodic_features_let_the_network_read_narrow_intervals_of_a_number():
    # Run
    raw = _interval_accuracy(0)
    periodic = _interval_accuracy(16)

    # Assert
    assert periodic > 0.95
    assert periodic > raw + 0.2


def test_masks_left_out_give_what_all_zero_masks_give():
    # Setup: a conditional network with periodic features; a mask not given is all zeros.
    torch.manual_seed(0)
    layout = ColumnLayout.from_column_index([0, 1, 1, 1, 2])
    denoiser = MLPDenoiser(layout, 32, 2, conditional=True, periodic_embedding=4)
    rows = torch.randn(16, 5)
    steps = torch.randint(1, 50, (16,))
    condition = (torch.rand(16, 5) < 0.5).float()
    zeros = torch.zeros(16, 5)

    # Run and Assert: the weights of the left-out masks take no part, up to rounding.
    torch.testing.assert_close(
        denoiser(rows, steps, condition), denoiser(rows, steps, condition, zeros)
    )
    torch.testing.assert_close(denoiser(rows, steps), denoiser(rows, steps, zeros, zeros))
    with torch.no_grad():
        denoiser.input_layer.weight[:, -10:] = 100.0  # the two masks' columns

    torch.testing.assert_close(denoiser(rows, steps), denoiser(rows, steps, zeros, zeros))
    assert not torch.allclose(denoiser(rows, steps, condition), denoiser(rows, steps))
