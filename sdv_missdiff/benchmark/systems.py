"""The synthesizers the benchmark compares: one registry, one small ``fit`` / ``sample`` interface.

:data:`REGISTRY` maps every system name to a :class:`SystemSpec` (its label, how to build it,
which ``--param`` groups it belongs to). The command line, every script of ``benchmarks/`` and
the demo build their systems through :func:`make_system`:

* ``missdiff``, ``diff_mean``, ``diff_delete``: :class:`sdv_missdiff.MissDiffSynthesizer` with
  ``missing_data_strategy='mask'``, ``'mean'`` and ``'drop'`` (same network, same settings).
* ``gaussian_copula``, ``ctgan``, ``tvae``: SDV's synthesizers with their default handling of
  missing values (numbers mean-filled and NaN re-inserted at random, categorical NaN a category).
* ``gaussian_copula_imputed``: SDV's GaussianCopula fitted after a mean (numbers) / mode (other
  columns) fill of the holes (:func:`sdv_missdiff.encoding.fill_with_mean_and_mode`).
* ``forest_diffusion``: ``ForestDiffusionModel`` of the optional ``ForestDiffusion`` package
  (Jolicoeur-Martineau et al. 2024), which trains its XGBoost models on NaN directly. It is
  imported only when used, so a missing install is recorded as ``'not installed'``.

SDV and :class:`~sdv_missdiff.MissDiffSynthesizer` are imported only when a system is built.
"""

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import pandas as pd

from sdv_missdiff._validation import check_choice

FOREST_DIFFUSION_DEFAULTS = {'n_jobs': 1}


class SystemNotInstalledError(ImportError):
    """Raised when a system's optional package is not installed."""


class SDVSystem:
    """An SDV single-table synthesizer seen through ``fit(table)`` / ``sample(num_rows)``.

    Args:
        synthesizer (sdv.single_table.base.BaseSingleTableSynthesizer):
            The synthesizer.
        table_name (str):
            Name of the table in the metadata.
        fill_first (bool):
            Fill the holes of the table with the column mean (numbers) or mode (other columns)
            before fitting. Defaults to ``False`` (the synthesizer sees the NaN).
    """

    def __init__(self, synthesizer, table_name, fill_first=False):
        self.synthesizer = synthesizer
        self.table_name = table_name
        self.fill_first = fill_first

    def fit(self, table):
        """Fit the synthesizer to ``table`` (a ``pandas.DataFrame``, NaN where missing)."""
        if self.fill_first:
            from sdv_missdiff.encoding import fill_with_mean_and_mode

            discrete = list(table.select_dtypes(exclude='number').columns)
            table = fill_with_mean_and_mode(table, discrete)

        self.synthesizer.fit({self.table_name: table})

    def sample(self, num_rows):
        """Return ``num_rows`` synthetic rows as a ``pandas.DataFrame``."""
        return self.synthesizer.sample(num_rows)[self.table_name]


class ForestDiffusionSystem:
    """``ForestDiffusionModel`` on a table: integer-codes the discrete columns and decodes back.

    ``ForestDiffusionModel`` trains in its constructor on a numpy array with NaN, with the
    categorical columns integer-coded and listed in ``cat_indexes`` (3 or more levels) or
    ``bin_indexes`` (2 levels). Missing discrete cells stay NaN in the codes.

    Args:
        metadata (sdv.metadata.Metadata):
            Metadata of the table (which columns are numerical).
        table_name (str):
            Name of the table in the metadata.
        settings (dict or None):
            Keyword arguments of ``ForestDiffusionModel``. Defaults to None (``{'n_jobs': 1}``
            over the package's own defaults).
    """

    def __init__(self, metadata, table_name, settings=None):
        self.columns_metadata = metadata.tables[table_name].columns
        self.settings = {**FOREST_DIFFUSION_DEFAULTS, **(settings or {})}
        self.model = None
        self.columns = None
        self.categories = None

    def fit(self, table):
        """Encode ``table`` and train the forest diffusion model on it."""
        try:
            from ForestDiffusion import ForestDiffusionModel
        except ImportError as error:
            raise SystemNotInstalledError(
                "ForestDiffusion is not installed: run 'pip install ForestDiffusion' (or the "
                "'peers' extra) to benchmark it."
            ) from error

        self.columns = list(table.columns)
        self.categories = {}
        encoded = np.empty(table.shape, dtype=float)
        cat_indexes, bin_indexes = [], []
        for index, column in enumerate(self.columns):
            values = table[column]
            if self.columns_metadata[column].get('sdtype') == 'numerical':
                encoded[:, index] = pd.to_numeric(values).to_numpy(dtype=float, na_value=np.nan)
                continue

            codes, levels = pd.factorize(values, sort=True, use_na_sentinel=True)
            self.categories[column] = levels
            encoded[:, index] = np.where(codes < 0, np.nan, codes)
            (bin_indexes if len(levels) == 2 else cat_indexes).append(index)

        self.model = ForestDiffusionModel(
            encoded, cat_indexes=cat_indexes, bin_indexes=bin_indexes, **self.settings
        )

    def sample(self, num_rows):
        """Return ``num_rows`` synthetic rows, discrete columns decoded to their categories."""
        generated = np.asarray(self.model.generate(batch_size=num_rows), dtype=float)
        table = {}
        for index, column in enumerate(self.columns):
            if column in self.categories:
                levels = self.categories[column]
                codes = np.clip(np.round(generated[:, index]), 0, len(levels) - 1).astype(int)
                table[column] = np.asarray(levels, dtype=object)[codes]
            else:
                table[column] = generated[:, index]

        return pd.DataFrame(table, columns=self.columns)


def _build_missdiff(strategy, metadata, table_name, settings):
    from sdv_missdiff import MissDiffSynthesizer

    if 'missing_data_strategy' in settings:
        raise ValueError(
            "'missing_data_strategy' cannot be set in a system's settings: the system name sets "
            f'it (this one uses {strategy!r}; missdiff: mask, diff_mean: mean, diff_delete: drop).'
        )

    synthesizer = MissDiffSynthesizer(metadata, missing_data_strategy=strategy, **settings)
    return SDVSystem(synthesizer, table_name)


def _build_sdv(class_name, metadata, table_name, settings, fill_first=False):
    from sdv import single_table

    synthesizer = getattr(single_table, class_name)(metadata, **settings)
    return SDVSystem(synthesizer, table_name, fill_first=fill_first)


def _build_forest_diffusion(metadata, table_name, settings):
    return ForestDiffusionSystem(metadata, table_name, settings)


@dataclass(frozen=True)
class SystemSpec:
    """How to build one benchmark system.

    Attributes:
        label (str):
            Name in tables and plots.
        build (callable):
            ``build(metadata, table_name, settings)`` returns an object with ``fit(table)`` and
            ``sample(num_rows)``; ``settings`` are keyword arguments of the synthesizer.
        diffusion (bool):
            MissDiff or one of its ablations (the ``--param diffusion.KEY=VALUE`` group).
        neural (bool):
            Takes ``epochs`` (``--epochs`` and the ``--param neural.KEY=VALUE`` group).
        default (bool):
            Run by the benchmark command when ``--systems`` is not given.
    """

    label: str
    build: Callable
    diffusion: bool = False
    neural: bool = False
    default: bool = True


REGISTRY = {
    'missdiff': SystemSpec(
        'MissDiff', partial(_build_missdiff, 'mask'), diffusion=True, neural=True
    ),
    'diff_mean': SystemSpec(
        'Diff-mean', partial(_build_missdiff, 'mean'), diffusion=True, neural=True
    ),
    'diff_delete': SystemSpec(
        'Diff-delete', partial(_build_missdiff, 'drop'), diffusion=True, neural=True
    ),
    'gaussian_copula': SystemSpec(
        'GaussianCopula', partial(_build_sdv, 'GaussianCopulaSynthesizer')
    ),
    'gaussian_copula_imputed': SystemSpec(
        'GaussianCopula (mean/mode fill)',
        partial(_build_sdv, 'GaussianCopulaSynthesizer', fill_first=True),
        default=False,
    ),
    'ctgan': SystemSpec('CTGAN', partial(_build_sdv, 'CTGANSynthesizer'), neural=True),
    'tvae': SystemSpec('TVAE', partial(_build_sdv, 'TVAESynthesizer'), neural=True),
    'forest_diffusion': SystemSpec('ForestDiffusion', _build_forest_diffusion),
}
"""Every benchmark system, by name, in the order of the result tables."""

SYSTEMS = tuple(REGISTRY)
DEFAULT_SYSTEMS = tuple(name for name, spec in REGISTRY.items() if spec.default)
DIFFUSION_SYSTEMS = tuple(name for name, spec in REGISTRY.items() if spec.diffusion)
NEURAL_SYSTEMS = tuple(name for name, spec in REGISTRY.items() if spec.neural)
LABELS = {name: spec.label for name, spec in REGISTRY.items()}


def validate_systems(systems):
    """Raise a ``ValueError`` naming ``systems`` if one of them is unknown."""
    unknown = [name for name in systems if name not in REGISTRY]
    if unknown:
        raise ValueError(
            f"Unknown system(s) {unknown} for 'systems'. Choose among {list(SYSTEMS)}."
        )


def make_system(name, metadata, table_name, settings=None):
    """Build one benchmark system of :data:`REGISTRY`.

    Args:
        name (str):
            One of :data:`SYSTEMS`.
        metadata (sdv.metadata.Metadata):
            Metadata of the table.
        table_name (str):
            Name of the table in the metadata.
        settings (dict or None):
            Keyword arguments of the system's synthesizer (for example ``{'epochs': 100}``).
            Defaults to None (the synthesizer's own defaults).

    Returns:
        SDVSystem or ForestDiffusionSystem:
            An object with ``fit(table)`` and ``sample(num_rows)``; an ``SDVSystem`` holds the
            SDV synthesizer in ``synthesizer``.

    Raises:
        ValueError:
            If ``name`` is not a registered system (the message lists them).
    """
    check_choice('name', name, SYSTEMS, error=ValueError)
    return REGISTRY[name].build(metadata, table_name, dict(settings or {}))
