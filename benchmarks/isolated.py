"""One benchmark run in a fresh process under a time limit, shared by the benchmark scripts.

A fit that crashes, hangs or takes the process down is a result of the benchmark, not the end
of it: the run's record then carries the error instead of the scores.
"""

import multiprocessing
import time
import traceback


def _child(queue, work, arguments, identity):
    try:
        queue.put(work(*arguments))
    except Exception as error:  # a crash is a result of the benchmark
        queue.put(
            {
                **identity,
                'error': f'{type(error).__name__}: {error}'[:800],
                'traceback': traceback.format_exc()[-2000:],
            }
        )


def run_isolated(work, arguments, identity, time_limit):
    """``work(*arguments)`` in a fresh process; a timeout or crash becomes the record.

    Args:
        work (callable):
            A module-level function returning the run's record (a dict).
        arguments (tuple):
            Its arguments.
        identity (dict):
            What names the run (table, system, seed, ...), kept in an error's record.
        time_limit (float):
            Seconds before the process is killed.

    Returns:
        dict:
            The record, with ``wall_seconds`` where the process ended by itself.
    """
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, work, arguments, identity))
    start = time.perf_counter()
    process.start()
    process.join(time_limit)
    if process.is_alive():
        process.kill()
        process.join()
        return {**identity, 'error': f'timeout after {time_limit} s'}

    try:
        record = queue.get(timeout=10)
    except Exception:
        record = {**identity, 'error': f'process died (exit code {process.exitcode})'}

    record['wall_seconds'] = time.perf_counter() - start
    return record
