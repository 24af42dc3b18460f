"""The synthesizers the benchmark compares, behind one small ``fit`` / ``sample`` interface.

* ``missdiff``, ``diff_mean``, ``diff_delete``: :class:`sdv_missdiff.MissDiffSynthesizer` with
  ``missing_data_strategy='mask'``, ``'mean'`` and ``'drop'`` (same network, same settings).
* ``gaussian_copula``, ``ctgan``, ``tvae``: SDV's synthesizers with their default handling of
  missing values (numbers mean-filled and NaN re-inserted at random, categorical NaN a category).
* ``forest_diffusion``: ``ForestDiffusionModel`` of the optional ``ForestDiffusion`` package
  (Jolicoeur-Martineau et al. 2024), which trains its XGBoost models on NaN directly. It is
  imported only when used, so a missing install is recorded as ``'not installed'``.
"""

import numpy as np
import pandas as pd

SYSTEMS = (
    'missdiff',
    'diff_mean',
    'diff_delete',
    'gaussian_copula',
    'ctgan',
    'tvae',
    'forest_diffusion',
)
DIFFUSION_SYSTEMS = ('missdiff', 'diff_mean', 'diff_delete')
NEURAL_SYSTEMS = DIFFUSION_SYSTEMS + ('ctgan', 'tvae')
_STRATEGIES = {'missdiff': 'mask', 'diff_mean': 'mean', 'diff_delete': 'drop'}
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
    """

    def __init__(self, synthesizer, table_name):
        self.synthesizer = synthesizer
        self.table_name = table_name

    def fit(self, table):
        """Fit the synthesizer to ``table`` (a ``pandas.DataFrame``, NaN where missing)."""
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


def validate_systems(systems):
    """Raise a ``ValueError`` naming ``systems`` if one of them is unknown."""
    unknown = [name for name in systems if name not in SYSTEMS]
    if unknown:
        raise ValueError(
            f"Unknown system(s) {unknown} for 'systems'. Choose among {list(SYSTEMS)}."
        )


def make_system(name, metadata, table_name, settings=None):
    """Build one benchmark system.

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
            An object with ``fit(table)`` and ``sample(num_rows)``.
    """
    validate_systems([name])
    settings = dict(settings or {})
    if name == 'forest_diffusion':
        return ForestDiffusionSystem(metadata, table_name, settings)

    from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer

    from sdv_missdiff import MissDiffSynthesizer

    if name in DIFFUSION_SYSTEMS:
        synthesizer = MissDiffSynthesizer(
            metadata, missing_data_strategy=_STRATEGIES[name], **settings
        )
    elif name == 'gaussian_copula':
        synthesizer = GaussianCopulaSynthesizer(metadata, **settings)
    elif name == 'ctgan':
        synthesizer = CTGANSynthesizer(metadata, **settings)
    else:
        synthesizer = TVAESynthesizer(metadata, **settings)

    return SDVSystem(synthesizer, table_name)
