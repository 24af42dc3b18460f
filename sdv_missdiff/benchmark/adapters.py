"""The synthesizers of the benchmark, each seen through ``fit(table)`` / ``sample(num_rows)``.

* :class:`SDVSystem`: an SDV single-table synthesizer (MissDiff and its ablations included),
  optionally fitted after a mean / mode fill of the holes or with holes modelled by a
  null-indicator column.
* :class:`ForestDiffusionSystem`: ``ForestDiffusionModel`` of the optional ``ForestDiffusion``
  package, on integer-coded discrete columns.
* :class:`TabularARGNSystem`: MOSTLY AI's ``TabularARGN`` of the optional ``mostlyai-engine``
  package, with conditional sampling and pooled imputation.

An optional package is imported only when its system fits; a missing install raises
:class:`SystemNotInstalledError`. :mod:`sdv_missdiff.benchmark.systems` builds them by name.
"""

import tempfile
from collections import Counter

import numpy as np
import pandas as pd

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
        holes_from_column (bool):
            Model the holes of numerical and datetime columns by a null-indicator column
            (RDT's ``missing_value_generation='from_column'``). Defaults to ``False``.
    """

    def __init__(self, synthesizer, table_name, fill_first=False, holes_from_column=False):
        self.synthesizer = synthesizer
        self.table_name = table_name
        self.fill_first = fill_first
        self.holes_from_column = holes_from_column

    def fit(self, table):
        """Fit the synthesizer to ``table`` (a ``pandas.DataFrame``, NaN where missing)."""
        if self.fill_first:
            from sdv_missdiff.encoding import fill_with_mean_and_mode

            discrete = list(table.select_dtypes(exclude='number').columns)
            table = fill_with_mean_and_mode(table, discrete)

        if self.holes_from_column:
            self._model_holes_from_column(table)

        self.synthesizer.fit({self.table_name: table})

    def _model_holes_from_column(self, table):
        from rdt.transformers import FloatFormatter, UnixTimestampEncoder

        self.synthesizer.auto_assign_transformers({self.table_name: table})
        columns = self.synthesizer.metadata.tables[self.table_name].columns
        transformers = {}
        for column, column_metadata in columns.items():
            if column not in table.columns or not table[column].isna().any():
                continue

            if column_metadata.get('sdtype') == 'numerical':
                transformers[column] = FloatFormatter(
                    missing_value_replacement='mean', missing_value_generation='from_column'
                )
            elif column_metadata.get('sdtype') == 'datetime':
                transformers[column] = UnixTimestampEncoder(
                    missing_value_replacement='mean',
                    missing_value_generation='from_column',
                    datetime_format=column_metadata.get('datetime_format'),
                )

        if transformers:
            self.synthesizer.update_transformers(transformers)

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


class TabularARGNSystem:
    """MOSTLY AI's ``TabularARGN`` (``mostlyai-engine``) on a table, with its own defaults.

    The model trains in a temporary workspace folder of its own (removed with the system). Its
    rows come back with the dtypes of the training table (it returns pandas' nullable ``Int64``
    and ``string``), so every scorer reads them as it reads the other systems' rows.

    Args:
        table_name (str):
            Name of the table in the metadata (unused: the engine reads the table itself).
        settings (dict or None):
            Keyword arguments of ``TabularARGN``. ``random_state`` defaults to a draw from
            numpy's global generator when the system fits, so the benchmark's seed repeats a
            fit. Defaults to None (the engine's defaults).
        complete_rows (bool):
            Ask the engine for complete rows (its ``imputation`` option suppresses the NaN
            token), as MissDiff returns by default; ``False`` keeps the holes it generates.
            Defaults to ``True``.
    """

    def __init__(self, table_name, settings=None, complete_rows=True):
        self.table_name = table_name
        self.settings = dict(settings or {})
        self.complete_rows = complete_rows
        self.model = None
        self.columns = None
        self.dtypes = None
        self._workspace = None

    def fit(self, table):
        """Train ``TabularARGN`` on ``table`` (NaN where missing)."""
        try:
            from mostlyai.engine import TabularARGN
        except ImportError as error:
            raise SystemNotInstalledError(
                'mostlyai-engine is not installed: install it in an environment of its own with '
                "'pip install torch==2.13.0 mostlyai-engine' and then this package (see "
                'benchmarks/README.md) to benchmark TabularARGN.'
            ) from error

        settings = dict(self.settings)
        settings.setdefault('random_state', int(np.random.randint(2**31 - 1)))
        self._workspace = tempfile.TemporaryDirectory(prefix='tabular_argn_')
        settings.setdefault('workspace_dir', self._workspace.name)
        self.columns = list(table.columns)
        self.dtypes = table.dtypes
        self.model = TabularARGN(**settings)
        self.model.fit(table)

    def _as_training_dtypes(self, generated):
        table = {}
        for column in self.columns:
            values = generated[column]
            if pd.api.types.is_numeric_dtype(self.dtypes[column]):
                table[column] = pd.to_numeric(values).astype(float).to_numpy()
            else:
                table[column] = values.astype(object).where(values.notna(), np.nan).to_numpy()

        return pd.DataFrame(table, columns=self.columns)

    def sample(self, num_rows):
        """Return ``num_rows`` synthetic rows, complete unless ``complete_rows=False``."""
        imputation = {'columns': self.columns} if self.complete_rows else None
        generated = self.model.sample(n_samples=num_rows, imputation=imputation)
        return self._as_training_dtypes(generated)

    def sample_from_seed(self, seed_rows):
        """Return one complete row per row of ``seed_rows``, whose cells it keeps as given."""
        generated = self.model.sample(
            seed_data=seed_rows.reset_index(drop=True), imputation={'columns': self.columns}
        )
        return self._as_training_dtypes(generated)

    def impute(self, table, num_draws=1):
        """Fill the holes of ``table``: one draw, or the mean / mode of ``num_draws`` draws.

        The engine's own ``agg_fn='mode'`` truncates category names (it sizes its output to the
        first row's string), so several draws are pooled here: their mean for numbers, their
        most frequent value (first drawn on ties) for the other columns.
        """
        draws = [
            self._as_training_dtypes(self.model.impute(table.reset_index(drop=True)))
            for _ in range(num_draws)
        ]
        if num_draws == 1:
            pooled = draws[0]
        else:
            pooled = {}
            for column in self.columns:
                stacked = pd.concat([draw[column] for draw in draws], axis=1)
                if pd.api.types.is_numeric_dtype(self.dtypes[column]):
                    pooled[column] = stacked.mean(axis=1).to_numpy()
                else:
                    # Counter keeps first-seen order, so a tie goes to the value drawn first.
                    pooled[column] = [
                        Counter(row).most_common(1)[0][0] for row in stacked.to_numpy()
                    ]

            pooled = pd.DataFrame(pooled, columns=self.columns)

        pooled.index = table.index
        return table.where(table.notna(), pooled)
