"""Fixtures shared by every test."""

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread():
    """Run torch on one thread: tiny networks are fastest so, and a shared CPU is not thrashed."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
