"""Ranks of a ``torchrun`` job: who they are, one seed for all, and sampling split over them.

Training under ``torchrun`` is ``training.Trainer``'s (``DistributedDataParallel``); this module
holds what training and sampling both need to know about ranks. Inside
:func:`sampling_across_ranks`, every ``sample`` and ``impute`` call is split over the ranks.
"""

import contextlib
import contextvars

import numpy as np
import torch

# Set inside ``sampling_across_ranks``: sampling is then a collective call of every rank.
_SAMPLING_ACROSS_RANKS = contextvars.ContextVar('sampling_across_ranks', default=False)


def distributed_ranks():
    """``(rank, world size)`` when ``torch.distributed`` is initialised (torchrun), else None."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()

    return None


@contextlib.contextmanager
def sampling_across_ranks():
    """Split every ``sample`` (and ``impute``) call inside the block over the torchrun ranks.

    Each rank generates its share of the rows and every rank returns all of them, in the same
    order, so sampling ``N`` rows on ``P`` processes costs about ``N / P`` rows of time. Every
    rank must make the same calls inside the block (a call made by one rank alone waits for the
    others forever); seed them alike (``set_random_state``) for identical rows on every rank.
    Outside the block, or without ``torch.distributed`` initialised, sampling stays local.

    Example::

        with sampling_across_ranks():
            synthetic = synthesizer.sample(1_000_000)  # on every rank of the torchrun job
    """
    token = _SAMPLING_ACROSS_RANKS.set(True)
    try:
        yield
    finally:
        _SAMPLING_ACROSS_RANKS.reset(token)


def sampling_ranks():
    """``(rank, world size)`` when sampling is to be split over ranks, else None."""
    return distributed_ranks() if _SAMPLING_ACROSS_RANKS.get() else None


def rank_share(num_rows, rank, size):
    """``(start, stop)``: the contiguous near-equal share of ``num_rows`` rows of ``rank``."""
    return round(rank * num_rows / size), round((rank + 1) * num_rows / size)


def gather_rows(rows):
    """Every rank's ``rows`` (numpy arrays), concatenated in rank order, on every rank."""
    shares = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(shares, rows)
    return np.concatenate(shares)


def agree_on_seed(seed):
    """Rank 0's ``seed`` on every rank of a distributed run (the seed itself otherwise).

    Every rank must draw the same initial weights, held-out rows and batch order; a seed drawn
    from each process's own global generator would differ.
    """
    if distributed_ranks() is None:
        return seed

    backend = torch.distributed.get_backend()
    device = torch.device('cuda', torch.cuda.current_device()) if backend == 'nccl' else 'cpu'
    shared = torch.tensor([seed], dtype=torch.int64, device=device)
    torch.distributed.broadcast(shared, src=0)
    return int(shared.item())


def sample_on_ranks(sample_here, num_rows, generator, known_values=None, known_mask=None):
    """Rows of one sampling call, split over the ranks inside :func:`sampling_across_ranks`.

    Outside the block the call is ``sample_here(num_rows, known_values, known_mask, generator)``
    on this process. Inside it, each rank draws its share from a seed all ranks agree on (drawn
    from ``generator``, so a seeded model still decides the rows) and every rank returns all
    rows.

    Args:
        sample_here (callable):
            ``sample_here(num_rows, known_values, known_mask, generator, first_rank)`` draws
            rows on this process; ``first_rank`` says whether it shows progress.
        num_rows (int):
            Rows of the whole call.
        generator (torch.Generator or None):
            The model's sampling generator.
        known_values (numpy.ndarray or None):
            Known values of every row of the call. Defaults to ``None``.
        known_mask (numpy.ndarray or None):
            1 where ``known_values`` holds a known value. Defaults to ``None``.

    Returns:
        numpy.ndarray:
            The rows, in the same order on every rank.
    """
    ranks = sampling_ranks()
    if ranks is None:
        return sample_here(num_rows, known_values, known_mask, generator, True)

    rank, size = ranks
    seed = agree_on_seed(int(torch.randint(0, 2**62, (1,), generator=generator)))
    start, stop = rank_share(num_rows, rank, size)
    if known_values is not None:
        known_values, known_mask = known_values[start:stop], known_mask[start:stop]

    local = torch.Generator(device='cpu').manual_seed(seed + rank)
    rows = sample_here(stop - start, known_values, known_mask, local, rank == 0)
    return gather_rows(rows)
