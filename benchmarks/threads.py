"""Training steps per second by torch thread count, on a quiet CPU and beside busy processes.

One MissDiff fit of Adult (4,000 rows, 20% of the cells hidden, default options, a fixed number
of epochs) with ``--threads`` torch threads while ``--busy`` other processes spin on the CPU, as
another job on a shared machine would. Prints one JSON line: the thread count in force, the busy
processes, the optimisation steps and steps per second of the fit.

    python -m benchmarks.threads --threads 2 --busy 1

Results and the decision they led to: ``benchmarks/results/threads/README.md``.
"""

import argparse
import json
import math
import multiprocessing
import time
import warnings


def _spin():
    while True:
        pass


def main(argv=None):
    """Fit once under the given threads and load; print the steps per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--threads', type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument('--busy', type=int, default=0, help='busy processes beside the fit')
    parser.add_argument('--rows', type=int, default=4_000)
    parser.add_argument('--epochs', type=int, default=8)
    args = parser.parse_args(argv)

    import torch

    from sdv_missdiff import MissDiffSynthesizer
    from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
    from sdv_missdiff.missingness import simulate_missing

    warnings.filterwarnings('ignore')
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    complete, _ = load_adult_split(num_train_rows=args.rows, num_test_rows=0, seed=0)
    observed, _ = simulate_missing(complete, 'mcar_independent', 0.2, seed=0)
    synthesizer = MissDiffSynthesizer(get_adult_metadata(), epochs=args.epochs, enable_gpu=False)
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()

    try:
        torch.manual_seed(0)
        start = time.perf_counter()
        synthesizer.fit({ADULT_TABLE_NAME: observed})
        seconds = time.perf_counter() - start
    finally:
        for spinner in spinners:
            spinner.terminate()

    steps = args.epochs * math.ceil(args.rows / 256)
    print(  # noqa: T201
        json.dumps(
            {
                'threads': torch.get_num_threads(),
                'busy': args.busy,
                'steps': steps,
                'fit_s': round(seconds, 2),
                'steps_per_s': round(steps / seconds, 1),
            }
        )
    )


if __name__ == '__main__':
    main()
