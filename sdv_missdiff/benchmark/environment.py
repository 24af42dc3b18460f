"""What a benchmark run has to work with: installed packages, their versions, the machine.

Checked before anything is fitted (a missing extra stops the command naming what to install) and
recorded beside the results (the versions that really ran).
"""

import importlib.util
import json
import os
import platform
from importlib import metadata as package_metadata

import torch

from sdv_missdiff.benchmark.systems import REGISTRY

# The distributions that may provide each package recorded with the results.
DISTRIBUTIONS = {
    'sdv': ('sdv',),
    'torch': ('torch',),
    'xgboost': ('xgboost', 'xgboost-cpu'),
    'ctgan': ('ctgan',),
    'ForestDiffusion': ('ForestDiffusion',),
    'mostlyai-engine': ('mostlyai-engine',),
}


def installed(module):
    """Whether ``module`` can be imported (its parent package included)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def missing_packages(systems):
    """One message per missing package a run of ``systems`` needs, with the extra to install.

    Every run scores XGBoost utility; some systems need the ``peers`` extra.
    """
    messages = []
    if not installed('xgboost'):
        messages.append("utility scores need xgboost: pip install 'sdv-missdiff[benchmark]'")

    for name in systems:
        requires = REGISTRY[name].requires
        if requires is not None and not installed(requires[0]):
            module, extra = requires
            messages.append(
                f"system '{name}' needs {module}, which is not installed: "
                f"pip install 'sdv-missdiff[{extra}]' (see benchmarks/README.md)"
            )

    return messages


def installed_versions():
    """dict: The version of each package of ``DISTRIBUTIONS``, naming another distribution."""
    versions = {}
    for package, distributions in DISTRIBUTIONS.items():
        versions[package] = 'not installed'
        for distribution in distributions:
            try:
                version = package_metadata.version(distribution)
            except package_metadata.PackageNotFoundError:
                continue

            same = distribution == package
            versions[package] = version if same else f'{version} ({distribution})'
            break

    return versions


def machine_note():
    """str: The machine, torch's threads and the versions, as the results README records them."""
    return (
        f'Machine: {platform.machine()}, {os.cpu_count()} cores, torch threads '
        f'{torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}, '
        f'device cpu; versions {json.dumps(installed_versions())}.'
    )
