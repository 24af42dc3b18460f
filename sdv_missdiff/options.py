"""Every option of ``MissDiffSynthesizer``: the model's groups plus how the table is encoded.

``MissDiffSynthesizer(metadata, model_options={...})`` takes any of them by name; a few that
users set often are arguments of their own. ``python -m sdv_missdiff.options`` prints the
reference page, ``docs/options.md``, from these declarations.
"""

import dataclasses
import textwrap

from sdv_missdiff._validation import check_integer
from sdv_missdiff.column_encoders import NUMERICAL_TRANSFORMS
from sdv_missdiff.diffusion.options import (
    DiffusionOptions,
    ModelOptions,
    NetworkOptions,
    OptionError,
    OptionGroup,
    PrivacyOptions,
    SamplingOptions,
    TrainingOptions,
    choice,
    fraction,
    integer,
    option,
)

MISSING_DATA_STRATEGIES = ('mask', 'mean', 'drop')


def _one_hot_levels(name, value, error):
    check_integer(name, value, 1, none_means='to one-hot encode every discrete column', error=error)


@dataclasses.dataclass(frozen=True)
class EncodingOptions(OptionGroup):
    """How the table becomes model values, and which rows and cells the model trains on."""

    missing_data_strategy: str = option(
        'mask',
        "Missing cells in training: 'mask' (MissDiff: left out of the loss), 'mean' (filled with "
        "the column's mean or mode first) or 'drop' (complete rows only).",
        choice(MISSING_DATA_STRATEGIES),
    )
    numerical_transform: str = option(
        'quantile',
        "Scaling of numbers and dates: 'quantile' (onto a standard normal), 'standard' or "
        "'minmax' (the paper's).",
        choice(NUMERICAL_TRANSFORMS),
    )
    column_balance: float = option(
        1.0,
        'Loss weight of a categorical column with k levels: k ** -column_balance per level (0: '
        'every dimension alike, as the paper; 1: every column alike).',
        fraction,
    )
    max_one_hot_levels: int = option(
        500,
        'Discrete columns with up to this many levels are one-hot encoded, wider ones get one '
        'frequency-encoded dimension. None one-hot encodes every discrete column.',
        _one_hot_levels,
    )
    max_whole_number_levels: int = option(
        100,
        'Numerical columns of whole numbers with at most this many distinct values (100 rows or '
        'more per value on average) are modelled as levels, as categorical columns are, and '
        'returned as numbers. 0 models every numerical column as a number.',
        integer(0),
    )

    def __setstate__(self, state):
        # Options saved before whole numbers were levels modelled every number as a number.
        state.setdefault('max_whole_number_levels', 0)
        self.__dict__.update(state)


@dataclasses.dataclass(frozen=True)
class MissDiffOptions(ModelOptions):
    """Every option of the synthesizer: the model's four groups and the encoding."""

    encoding: EncodingOptions = dataclasses.field(default_factory=EncodingOptions)


GROUP_TITLES = {
    'network': 'The network',
    'diffusion': 'The diffusion process',
    'training': 'Training',
    'sampling': 'Sampling (can change after fit: `set_sampling_options`)',
    'encoding': 'Encoding',
    'privacy': 'Differential privacy (see docs/privacy.md)',
}


def reference_page():
    """str: ``docs/options.md``, every option with its default and doc, written from the code."""
    lines = [
        '# Options of MissDiffSynthesizer',
        '',
        'Written by `python -m sdv_missdiff.options` from the declarations in',
        '`sdv_missdiff/diffusion/options.py` and `sdv_missdiff/options.py`. Pass any of them by',
        "name: `MissDiffSynthesizer(metadata, model_options={'sampler': 'ddim'})`; `epochs`,",
        '`batch_size`, `learning_rate`, `max_one_hot_levels`, `epsilon` and `delta` are',
        'arguments of their own; differential privacy is described in [privacy.md](privacy.md).',
        'What the defaults were measured against: [benchmarks/README.md](../benchmarks/README.md).',
    ]
    for group, group_class in MissDiffOptions.groups().items():
        lines += ['', f'## {GROUP_TITLES[group]}', '']
        for name, default, doc in group_class.declarations():
            item = f'- `{name}` (default `{default!r}`): {doc}'
            lines += textwrap.wrap(item, width=100, subsequent_indent='  ', break_on_hyphens=False)

    return '\n'.join(lines) + '\n'


def build_options(model_options, own):
    """The options in force: ``model_options`` with the synthesizer's own arguments over it.

    Args:
        model_options (dict, MissDiffOptions or None):
            The synthesizer's ``model_options``.
        own (dict):
            The options that are arguments of the synthesizer itself, by name.

    Raises:
        MissDiffInputError:
            If ``model_options`` is of another type, names an argument, an unknown option or
            a value an option does not take.
    """
    # Imported here: sdv_missdiff.errors imports SDV, which loads this package's synthesizer.
    from sdv_missdiff.errors import MissDiffInputError

    if model_options is None:
        model_options = {}

    if isinstance(model_options, MissDiffOptions):
        options, model_options = model_options, {}
    elif isinstance(model_options, dict):
        options = MissDiffOptions()
    else:
        raise MissDiffInputError(
            f"Invalid value {model_options!r} for 'model_options': give a dict of options by "
            'name (see docs/options.md), a MissDiffOptions or None.'
        )

    given_twice = sorted(set(model_options) & set(own))
    if given_twice:
        raise MissDiffInputError(
            f'{given_twice} are arguments of MissDiffSynthesizer itself: pass them as '
            "arguments, not in 'model_options'."
        )

    try:
        return options.replace(**model_options, **own)
    except OptionError as error:
        raise MissDiffInputError(str(error)) from None


__all__ = (
    'DiffusionOptions',
    'EncodingOptions',
    'MissDiffOptions',
    'ModelOptions',
    'NetworkOptions',
    'OptionError',
    'PrivacyOptions',
    'SamplingOptions',
    'TrainingOptions',
    'build_options',
    'reference_page',
)

if __name__ == '__main__':
    print(reference_page(), end='')  # noqa: T201
