"""A torchrun-style fit: two CPU processes with the gloo backend, as CI can run it."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from sdv.metadata import Metadata
from sdv.utils import load_synthesizer

from sdv_missdiff import MissDiffSynthesizer, sampling_across_ranks

# Ancestral steps: this briefly trained toy drifts more under DDIM steps, and the check is of
# the weights DDP leaves, not of the sampler.
SETTINGS = {
    'epochs': 40,
    'batch_size': 100,
    'model_options': {'denoiser_width': 64, 'denoiser_blocks': 2, 'sampler': 'ancestral'},
}


SAMPLED_ROWS = 2_001


def _pair_table(num_rows=1_200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    table = pd.DataFrame({'x': x, 'y': 0.9 * x + np.sqrt(1 - 0.81) * rng.normal(size=num_rows)})
    return table.mask(rng.random(table.shape) < 0.2)


def _metadata():
    columns = {'x': {'sdtype': 'numerical'}, 'y': {'sdtype': 'numerical'}}
    return Metadata.load_from_dict({'tables': {'pair': {'columns': columns}}})


def _fit_on_rank(rank, world_size, folder):
    # What a script started by `torchrun --nproc_per_node=2` does: initialise, then fit.
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo', init_method=f'file://{folder}/rendezvous', rank=rank, world_size=world_size
    )
    try:
        torch.manual_seed(rank)  # different global seeds: the ranks must still agree
        synthesizer = MissDiffSynthesizer(_metadata(), **SETTINGS)
        synthesizer.fit({'pair': _pair_table()})
        state = synthesizer._model.denoiser.state_dict()
        (folder / f'weights_{rank}.pkl').write_bytes(pickle.dumps(state))
        (folder / f'losses_{rank}.pkl').write_bytes(pickle.dumps(synthesizer.get_loss_values()))
        if rank == 0:
            synthesizer.save(str(folder / 'synthesizer.pkl'))

        synthesizer.set_random_state(0)
        with sampling_across_ranks():  # every rank generates its half and returns all rows
            rows = synthesizer.sample(SAMPLED_ROWS)['pair']

        (folder / f'rows_{rank}.pkl').write_bytes(pickle.dumps(rows))
    finally:
        dist.destroy_process_group()


def _correlation(synthesizer):
    synthesizer.set_random_state(0)
    rows = synthesizer.sample(2_000)['pair']
    return rows['x'].corr(rows['y'])


@pytest.fixture(scope='module')
def two_rank_fit(tmp_path_factory):
    folder = tmp_path_factory.mktemp('ddp')
    mp.spawn(_fit_on_rank, args=(2, folder), nprocs=2, join=True)
    return folder


def test_two_processes_end_with_identical_weights(two_rank_fit):
    # Setup
    first = pickle.loads((two_rank_fit / 'weights_0.pkl').read_bytes())
    second = pickle.loads((two_rank_fit / 'weights_1.pkl').read_bytes())

    # Assert
    assert first.keys() == second.keys()
    for name in first:
        torch.testing.assert_close(first[name], second[name], rtol=0, atol=0)

    losses = [pickle.loads((two_rank_fit / f'losses_{rank}.pkl').read_bytes()) for rank in (0, 1)]
    pd.testing.assert_frame_equal(losses[0], losses[1])
    assert len(losses[0]) == SETTINGS['epochs']


def test_rank_zero_saves_a_synthesizer_as_good_as_one_process(two_rank_fit):
    # Setup
    torch.set_num_threads(1)
    torch.manual_seed(0)
    alone = MissDiffSynthesizer(_metadata(), **SETTINGS)
    alone.fit({'pair': _pair_table()})

    # Run
    distributed = load_synthesizer(str(two_rank_fit / 'synthesizer.pkl'))

    # Assert: a normal pickle that samples here, with the learned correlation (0.9) of one
    # process within noise.
    assert not dist.is_initialized()
    assert _correlation(distributed) == pytest.approx(_correlation(alone), abs=0.05)
    assert _correlation(distributed) > 0.8


def test_sampling_across_ranks_returns_the_same_rows_on_every_rank(two_rank_fit):
    # Setup
    rows = [pickle.loads((two_rank_fit / f'rows_{rank}.pkl').read_bytes()) for rank in (0, 1)]
    distributed = load_synthesizer(str(two_rank_fit / 'synthesizer.pkl'))

    # Assert: all rows on both ranks, complete, as correlated as rows sampled in one process.
    pd.testing.assert_frame_equal(rows[0], rows[1])
    assert len(rows[0]) == SAMPLED_ROWS
    assert not rows[0].isna().any().any()
    assert rows[0]['x'].corr(rows[0]['y']) == pytest.approx(_correlation(distributed), abs=0.05)
