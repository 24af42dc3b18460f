import torch

from sdv_missdiff.diffusion.denoisers import ColumnLayout, Denoiser, MLPDenoiser


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


def test_training_and_sampling_paths_predict_the_same_noise():
    # Setup
    torch.manual_seed(0)
    network = MLPDenoiser(6, hidden_dimensions=16, num_blocks=2, conditional=True)
    rows = torch.randn(50, 6)
    timesteps = torch.randint(1, 5, (50,))

    # Run
    with torch.no_grad():
        sampling = network(rows, timesteps)

    training = network(rows, timesteps).detach()

    # Assert
    torch.testing.assert_close(training, sampling)


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
