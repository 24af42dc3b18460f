"""How many CPU threads a fit or a sampling call takes on a machine other processes share.

torch starts one thread per core. When another process keeps a core busy, torch's threads wait
for each other at every operation and a training step runs several times slower than on one
thread (``benchmarks/results/threads/README.md``). So on the CPU the model takes torch's thread
count less the cores that other processes keep busy at the start of the call, at least one, and
gives torch its count back afterwards. ``OMP_NUM_THREADS`` in the environment is the user's
choice and is left alone.
"""

import contextlib
import logging
import os
import time

import torch

LOGGER = logging.getLogger('sdv_missdiff')
# Reads of the run queue whose least counts the busy processes, and the pause between reads.
_READS = 6
_PAUSE_SECONDS = 0.001


def _runnable_tasks():
    # The 4th field of /proc/loadavg: tasks running or ready to run right now, this one included.
    with open('/proc/loadavg') as loadavg:
        return int(loadavg.read().split()[3].split('/')[0])


def _own_runnable_threads():
    # This process's threads running or ready to run (torch's own spin a while after each op).
    running = 0
    for task in os.listdir('/proc/self/task'):
        try:
            with open(f'/proc/self/task/{task}/stat') as stat:
                running += stat.read().rsplit(')', 1)[1].split()[0] == 'R'
        except OSError:  # the thread ended meanwhile
            continue

    return running


def busy_other_processes():
    """Tasks of other processes running or ready to run now, or ``None`` where unknown (no Linux).

    The least of a few reads of the run queue over a few milliseconds, less this process's own
    running threads: a busy process is in every read.
    """
    try:
        reads = []
        for _ in range(_READS):
            reads.append(_runnable_tasks() - _own_runnable_threads())
            time.sleep(_PAUSE_SECONDS)
    except (OSError, ValueError, IndexError):
        return None

    return max(min(reads), 0)


def _cores():
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))

    return os.cpu_count() or 1


def threads_beside_others(threads, busy, cores):
    """``threads``, less the cores that ``busy`` other processes hold, and at least 1."""
    if busy is None or busy <= 0:
        return threads

    return max(1, min(threads, cores - busy))


@contextlib.contextmanager
def cpu_threads(device):
    """Run the block with the threads a call on ``device`` takes (see the module's docstring)."""
    if device.type != 'cpu' or os.environ.get('OMP_NUM_THREADS'):
        yield
        return

    before, busy, cores = torch.get_num_threads(), busy_other_processes(), _cores()
    chosen = threads_beside_others(before, busy, cores)
    if chosen == before:
        yield
        return

    LOGGER.info(
        'Other processes keep %d of %d cores busy: %d torch thread(s) instead of %d for this '
        'call (set OMP_NUM_THREADS to choose).',
        busy,
        cores,
        chosen,
        before,
    )
    torch.set_num_threads(chosen)
    try:
        yield
    finally:
        torch.set_num_threads(before)
