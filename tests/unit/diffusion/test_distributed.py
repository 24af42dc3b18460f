import pytest

from sdv_missdiff.diffusion.distributed import rank_share, sampling_across_ranks, sampling_ranks


@pytest.mark.parametrize('num_rows, size', [(2_001, 2), (10, 3), (2, 4), (0, 2)])
def test_rank_shares_cover_every_row_once_in_order(num_rows, size):
    # Run
    shares = [rank_share(num_rows, rank, size) for rank in range(size)]

    # Assert
    assert shares[0][0] == 0 and shares[-1][1] == num_rows
    assert all(stop == start for (_, stop), (start, _) in zip(shares[:-1], shares[1:]))
    assert max(stop - start for start, stop in shares) - min(b - a for a, b in shares) <= 1


def test_sampling_across_ranks_is_local_without_torch_distributed():
    # Setup
    assert sampling_ranks() is None

    # Run and assert: the block changes nothing in a single process, and ends cleanly.
    with sampling_across_ranks():
        assert sampling_ranks() is None

    assert sampling_ranks() is None
