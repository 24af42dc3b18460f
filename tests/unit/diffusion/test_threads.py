import pytest
import torch

from sdv_missdiff.diffusion import threads


@pytest.mark.parametrize(
    ('threads_in_force', 'busy', 'cores', 'expected'),
    [(2, 0, 2, 2), (2, 1, 2, 1), (2, 2, 2, 1), (2, 5, 2, 1), (8, 3, 8, 5), (2, None, 2, 2)],
)
def test_threads_leave_the_cores_other_processes_keep_busy(threads_in_force, busy, cores, expected):
    assert threads.threads_beside_others(threads_in_force, busy, cores) == expected


@pytest.fixture
def two_threads_one_busy(monkeypatch):
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    monkeypatch.setattr(threads, 'busy_other_processes', lambda: 1)
    monkeypatch.setattr(threads, '_cores', lambda: 2)
    torch.set_num_threads(2)


def test_a_cpu_call_takes_one_thread_beside_a_busy_core_and_gives_it_back(two_threads_one_busy):
    # Run
    with threads.cpu_threads(torch.device('cpu')):
        inside = torch.get_num_threads()

    # Assert
    assert inside == 1 and torch.get_num_threads() == 2


def test_omp_num_threads_and_other_devices_are_left_alone(two_threads_one_busy, monkeypatch):
    with threads.cpu_threads(torch.device('cuda')):
        assert torch.get_num_threads() == 2

    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    with threads.cpu_threads(torch.device('cpu')):
        assert torch.get_num_threads() == 2


def test_the_run_queue_is_read_on_linux():
    busy = threads.busy_other_processes()
    assert busy is None or busy >= 0
