"""The synthesizers the benchmark compares: one registry of systems by name, one way to build them.

:data:`REGISTRY` maps every system name to a :class:`SystemSpec` (its label, how to build it,
which ``--param`` groups it belongs to). The command line, every script of ``benchmarks/`` and
the demo build their systems through :func:`make_system`:

* ``missdiff``, ``diff_mean``, ``diff_delete``: :class:`sdv_missdiff.MissDiffSynthesizer` with
  ``missing_data_strategy='mask'``, ``'mean'`` and ``'drop'`` (same network, same settings).
* ``missdiff_learned``, ``missdiff_random``: ``missdiff`` whose rows get holes,
  ``missing_value_generation='learned'`` (learned with the row) and ``'random'`` (each column
  blanked independently at its observed rate, as SDV does).
* ``gaussian_copula``, ``ctgan``, ``tvae``: SDV's synthesizers with their default handling of
  missing values (numbers mean-filled and NaN re-inserted at random, categorical NaN a category).
* ``gaussian_copula_imputed``: SDV's GaussianCopula fitted after a mean (numbers) / mode (other
  columns) fill of the holes (:func:`sdv_missdiff.encoding.fill_with_mean_and_mode`).
* ``gaussian_copula_from_column``: SDV's GaussianCopula whose numerical and datetime columns
  model their holes by a null-indicator column (RDT's ``missing_value_generation='from_column'``,
  set through ``update_transformers``); categorical NaN stays a category, as by default.
* ``forest_diffusion``: ``ForestDiffusionModel`` of the optional ``ForestDiffusion`` package
  (Jolicoeur-Martineau et al. 2024), which trains its XGBoost models on NaN directly. It is
  imported only when used, so a missing install is recorded as ``'not installed'``.
* ``tabular_argn``: MOSTLY AI's ``TabularARGN`` of the optional ``mostlyai-engine`` package
  (Tiwald et al. 2025), with its defaults: it trains on NaN directly (a missing cell is a token
  of its own) and is asked for complete rows (its ``imputation`` option), as MissDiff returns.
  Imported only when used, like ``forest_diffusion``. ``tabular_argn_holes``: the same model
  returning its own holes (the NaN token left in).

Each system is built as one of the ``fit(table)`` / ``sample(num_rows)`` adapters of
:mod:`sdv_missdiff.benchmark.adapters`. SDV and :class:`~sdv_missdiff.MissDiffSynthesizer` are
imported only when a system is built.
"""

from dataclasses import dataclass
from functools import partial
from typing import Callable

from sdv_missdiff._validation import check_choice
from sdv_missdiff.benchmark.adapters import ForestDiffusionSystem, SDVSystem, TabularARGNSystem


def missdiff_arguments(settings):
    """``MissDiffSynthesizer`` keyword arguments from flat settings, as the command line gives them.

    A setting named after an argument of ``MissDiffSynthesizer`` (``epochs``, ``batch_size``,
    ``verbose``, ...) stays that argument; every other one is an option of ``model_options``
    (see ``docs/options.md``), merged over a ``model_options`` dict of the settings, if any.
    ``{'epochs': 5, 'sampling_steps': 20}`` gives ``epochs=5, model_options={'sampling_steps':
    20}``. A name that is no option is left for ``MissDiffSynthesizer`` to refuse.

    Args:
        settings (dict):
            Arguments and options by name.

    Returns:
        dict:
            Keyword arguments of ``MissDiffSynthesizer`` (``metadata`` aside).
    """
    import inspect

    from sdv_missdiff import MissDiffSynthesizer

    own = set(inspect.signature(MissDiffSynthesizer).parameters) - {'metadata', 'model_options'}
    arguments = {name: value for name, value in settings.items() if name in own}
    options = {
        name: value
        for name, value in settings.items()
        if name not in own and name != 'model_options'
    }
    if 'model_options' in settings or options:
        arguments['model_options'] = {**(settings.get('model_options') or {}), **options}

    return arguments


def _build_missdiff(strategy, metadata, table_name, settings, holes=None):
    from sdv_missdiff import MissDiffSynthesizer

    arguments = missdiff_arguments(settings)
    options = arguments.pop('model_options', {})
    for name in ('missing_data_strategy', 'missing_value_generation'):
        if name in settings or name in options:
            raise ValueError(
                f"'{name}' cannot be set in a system's settings: the system name sets it "
                "(missdiff: 'mask', diff_mean: 'mean', diff_delete: 'drop'; missdiff_learned: "
                "'learned' holes, missdiff_random: 'random' holes)."
            )

    synthesizer = MissDiffSynthesizer(
        metadata,
        missing_value_generation=holes,
        model_options={**options, 'missing_data_strategy': strategy},
        **arguments,
    )
    return SDVSystem(synthesizer, table_name)


def _build_sdv(
    class_name, metadata, table_name, settings, fill_first=False, holes_from_column=False
):
    from sdv import single_table

    synthesizer = getattr(single_table, class_name)(metadata, **settings)
    return SDVSystem(
        synthesizer, table_name, fill_first=fill_first, holes_from_column=holes_from_column
    )


def _build_forest_diffusion(metadata, table_name, settings):
    return ForestDiffusionSystem(metadata, table_name, settings)


def _build_tabular_argn(metadata, table_name, settings, complete_rows=True):
    return TabularARGNSystem(table_name, settings, complete_rows=complete_rows)


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
            Run by the benchmark command when ``--systems`` is not given: systems that need
            no extra and finish in minutes on Adult's 16,000 rows on a CPU.
        requires (tuple[str, str] or None):
            The module the system imports and the extra that installs it, when the package's
            own dependencies lack it.
    """

    label: str
    build: Callable
    diffusion: bool = False
    neural: bool = False
    default: bool = True
    requires: tuple = None


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
    'missdiff_learned': SystemSpec(
        'MissDiff (learned holes)',
        partial(_build_missdiff, 'mask', holes='learned'),
        diffusion=True,
        neural=True,
        default=False,
    ),
    'missdiff_random': SystemSpec(
        'MissDiff (random holes)',
        partial(_build_missdiff, 'mask', holes='random'),
        diffusion=True,
        neural=True,
        default=False,
    ),
    'gaussian_copula': SystemSpec(
        'GaussianCopula', partial(_build_sdv, 'GaussianCopulaSynthesizer')
    ),
    'gaussian_copula_imputed': SystemSpec(
        'GaussianCopula (mean/mode fill)',
        partial(_build_sdv, 'GaussianCopulaSynthesizer', fill_first=True),
        default=False,
    ),
    'gaussian_copula_from_column': SystemSpec(
        'GaussianCopula (from_column holes)',
        partial(_build_sdv, 'GaussianCopulaSynthesizer', holes_from_column=True),
        default=False,
    ),
    # CTGAN and TVAE are slow on a CPU at 16,000 rows times several seeds: asked for by name.
    'ctgan': SystemSpec(
        'CTGAN', partial(_build_sdv, 'CTGANSynthesizer'), neural=True, default=False
    ),
    'tvae': SystemSpec('TVAE', partial(_build_sdv, 'TVAESynthesizer'), neural=True, default=False),
    'forest_diffusion': SystemSpec(
        'ForestDiffusion',
        _build_forest_diffusion,
        default=False,
        requires=('ForestDiffusion', 'peers'),
    ),
    'tabular_argn': SystemSpec(
        'TabularARGN',
        _build_tabular_argn,
        default=False,
        requires=('mostlyai.engine', 'peers'),
    ),
    'tabular_argn_holes': SystemSpec(
        'TabularARGN (its holes)',
        partial(_build_tabular_argn, complete_rows=False),
        default=False,
        requires=('mostlyai.engine', 'peers'),
    ),
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
            Keyword arguments of the system's synthesizer (for example ``{'epochs': 100}``);
            for MissDiff, its options by name too (``missdiff_arguments``). Defaults to None
            (the synthesizer's own defaults).

    Returns:
        SDVSystem, ForestDiffusionSystem or TabularARGNSystem:
            An object with ``fit(table)`` and ``sample(num_rows)``; an ``SDVSystem`` holds the
            SDV synthesizer in ``synthesizer``.

    Raises:
        ValueError:
            If ``name`` is not a registered system (the message lists them).
    """
    check_choice('name', name, SYSTEMS, error=ValueError)
    return REGISTRY[name].build(metadata, table_name, dict(settings or {}))
