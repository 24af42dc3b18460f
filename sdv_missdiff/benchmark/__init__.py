"""Benchmark MissDiff against its ablations and peers on the same masked tables.

Run ``python -m sdv_missdiff.benchmark --help`` for the command line and
``python -m sdv_missdiff.benchmark.report DIR`` to redraw a results folder.
"""

from sdv_missdiff.benchmark.datasets import (
    get_bayesian_network_metadata,
    load_benchmark_dataset,
    simulate_bayesian_network,
)
from sdv_missdiff.benchmark.runner import run_benchmark
from sdv_missdiff.benchmark.systems import REGISTRY, SYSTEMS, make_system

__all__ = (
    'REGISTRY',
    'SYSTEMS',
    'get_bayesian_network_metadata',
    'load_benchmark_dataset',
    'make_system',
    'run_benchmark',
    'simulate_bayesian_network',
)
