"""The model's options, each declared once: its default, its check and a line or two of doc.

Options come in groups by concern (TabDDPM's experiment configs group them the same way): the
network, the diffusion process, training and sampling. Both layers read these declarations: the
model takes a :class:`ModelOptions`, the synthesizer builds one from its arguments and its
``model_options``, and the reference page of every option (``docs/options.md``) is written from
them. Measured effects of the defaults live in the benchmark READMEs, not here.
"""

import dataclasses

from sdv_missdiff.diffusion.categorical import CATEGORICAL_DIFFUSIONS
from sdv_missdiff.diffusion.denoisers import DENOISERS
from sdv_missdiff.diffusion.option_declarations import (  # noqa: F401 (OptionError: re-exported)
    OptionError,
    OptionGroup,
    boolean,
    choice,
    fraction,
    integer,
    number,
    option,
    optional_bool,
    or_none,
)
from sdv_missdiff.diffusion.parameterization import PREDICTION_TARGETS
from sdv_missdiff.diffusion.samplers import SAMPLERS

# What ``sampler`` may name: a sampler of ``SAMPLERS``, or 'auto' (see ``SamplingOptions``).
SAMPLER_CHOICES = ('auto', *SAMPLERS)
SAMPLING_PRECISIONS = ('auto', 'float32', 'bfloat16')


@dataclasses.dataclass(frozen=True)
class NetworkOptions(OptionGroup):
    """The denoising network."""

    denoiser: str = option(
        'mlp',
        "The network: 'mlp' (a residual MLP over the row) or 'column_attention' (one token a "
        'column, attention across the columns; much slower per step on a CPU).',
        choice(tuple(DENOISERS)),
    )
    denoiser_width: int = option(
        None,
        'Width of the hidden layers. None: 128 for tables under 1,000 training rows, else 256.',
        integer(1, none_means='to choose by the number of rows'),
    )
    denoiser_blocks: int = option(4, 'Residual blocks of the network.', integer(1))
    dropout: float = option(0.0, 'Dropout inside the residual blocks.', number(0, 1))
    periodic_embedding: int = option(
        16,
        'Learned frequencies of the periodic embedding of each number fed beside the number '
        '(Gorishniy et al. 2022), so the network reads narrow intervals; 0 feeds raw numbers.',
        integer(0),
    )


@dataclasses.dataclass(frozen=True)
class DiffusionOptions(OptionGroup):
    """The diffusion process: the noise schedule and what is diffused how."""

    num_timesteps: int = option(100, 'Diffusion steps T, as in the paper.', integer(2))
    beta_min: float = option(
        1e-4, "First noise level of the paper's quadratic schedule.", number(0, 1, True)
    )
    beta_max: float = option(
        0.5, "Last noise level of the paper's quadratic schedule.", number(0, 1, True)
    )
    categorical_diffusion: str = option(
        'masked',
        "How one-hot columns are diffused: 'masked' hides cells and learns their levels by "
        "cross-entropy (a missing cell stays hidden); 'gaussian' noises them like numbers (the "
        'paper).',
        choice(CATEGORICAL_DIFFUSIONS),
    )
    prediction_target: str = option(
        'epsilon',
        "What the network predicts for Gaussian dimensions: 'epsilon' (the noise, the paper), "
        "'v' (the velocity) or 'mixed' (the velocity on Gaussian one-hot blocks).",
        choice(PREDICTION_TARGETS),
    )

    def __post_init__(self):
        super().__post_init__()
        if not self.beta_min < self.beta_max:
            raise OptionError(
                f'Invalid noise levels beta_min={self.beta_min!r}, beta_max={self.beta_max!r}: '
                'they must satisfy 0 < beta_min < beta_max < 1.'
            )


@dataclasses.dataclass(frozen=True)
class TrainingOptions(OptionGroup):
    """What the network is trained on and how."""

    epochs: int = option(
        None,
        'Passes over the rows. None: about 6,000 optimisation steps divided by the share of '
        'observed cells (at most 4x), at least 1 pass and at most 500.',
        integer(1, none_means='for the automatic budget'),
    )
    batch_size: int = option(
        None,
        'Rows per optimisation step. None: 256, or 1,024 under differential privacy (DP-SGD '
        'learns more from fewer, larger noisy steps).',
        integer(1, none_means='for 256, or 1,024 under differential privacy'),
    )
    learning_rate: float = option(
        2e-3, 'Peak learning rate of AdamW, decayed to 0 on a cosine.', number(0, low_open=True)
    )
    weight_decay: float = option(1e-5, 'AdamW weight decay.', number(0))
    ema_decay: float = option(
        0.995,
        'Decay of the moving average of the weights that samples; None samples with the raw '
        'weights.',
        or_none(number(0, 1)),
    )
    conditional_share: float = option(
        0.5,
        'Share of rows on which the network also learns to generate a row from a random subset '
        'of its observed columns (conditions, impute); 0 is the paper (inpainting by '
        'replacement).',
        fraction,
    )
    show_missing: bool = option(
        None,
        'Whether a conditional network is told which cells of a training row are missing. '
        'None: told under gaussian categorical diffusion, not under masked.',
        optional_bool,
    )
    timestep_emphasis: float = option(
        1.0,
        'Training steps t are drawn with probability about proportional to t ** this (0: '
        'every step equally often, as the paper).',
        number(0),
    )
    categorical_weight: float = option(
        2.0,
        "Loss weight of a hidden categorical cell's cross-entropy against a number's squared "
        'error (masked categorical diffusion).',
        number(0, low_open=True, what='a finite number above 0'),
    )
    pair_cutoff: float = option(
        0.01,
        'A level is never generated beside a level of another column that the training rows '
        'hold together under this share of the rows independence would give (0: none).',
        number(0, 1),
    )
    validation_share: float = option(
        0.0,
        'Share of rows held out to measure the loss on; training stops once it has not '
        'improved for patience checks. 0 trains the whole budget on every row.',
        number(0, 0.5, high_open=False),
    )
    patience: int = option(
        5, 'Checks of the held-out loss without improvement before training stops.', integer(1)
    )


@dataclasses.dataclass(frozen=True)
class SamplingOptions(OptionGroup):
    """How rows are drawn; these can change after ``fit``."""

    sampler: str = option(
        'auto',
        "Reverse steps of the numbers: 'dpm++2m', 'ddim', 'ancestral' (the paper) or 'auto': "
        'DPM-Solver++(2M) for new rows, ancestral around known cells and with learned holes.',
        choice(SAMPLER_CHOICES),
    )
    sampling_steps: int = option(
        None,
        "Reverse steps. None: each sampler's own (25 dpm++2m, 30 ddim, 50 ancestral).",
        integer(1, none_means="for the sampler's own"),
    )
    sampling_precision: str = option(
        'auto',
        "Precision of the network's products when sampling: 'float32', 'bfloat16' or 'auto' "
        '(bfloat16 on a CPU that multiplies it in hardware). Steps stay float32.',
        choice(SAMPLING_PRECISIONS),
    )
    level_cutoff: float = option(
        0.2,
        'A categorical level is not drawn where the model gives it under this share of its '
        'training frequency (and under 2%); the most likely level always can be.',
        number(0, 1),
    )


@dataclasses.dataclass(frozen=True)
class PrivacyOptions(OptionGroup):
    """Differential privacy: DP-SGD and noisy statistics (see docs/privacy.md)."""

    epsilon: float = option(
        None,
        'Target epsilon of (epsilon, delta)-differential privacy for everything the fit learns '
        'from the rows; None trains without differential privacy.',
        or_none(
            number(0, low_open=True, what='a number above 0, or None to train without privacy')
        ),
    )
    delta: float = option(
        1e-5,
        'Target delta of differential privacy; keep it well under 1 / rows.',
        number(0, 1, True),
    )
    noise_multiplier: float = option(
        None,
        "DP-SGD's noise over the clipping norm. None: the least noise that spends epsilon over "
        "the automatic budget's steps; a number trains until epsilon is spent.",
        or_none(number(0, low_open=True)),
    )
    max_grad_norm: float = option(
        1.0, "Clipping norm of each row's gradient under DP-SGD.", number(0, low_open=True)
    )
    statistics_share: float = option(
        0.2,
        'Share of epsilon spent on the noisy statistics read outside DP-SGD (levels, quantiles, '
        'holes).',
        number(0, 1, low_open=True),
    )
    protect_rare_levels: bool = option(
        True,
        'Under DP, levels whose noisy count is under the threshold that delta allows are '
        'treated as missing cells; False keeps every level seen (their list is then not private).',
        boolean,
    )


@dataclasses.dataclass(frozen=True)
class ModelOptions:
    """Every option of the model, by group; made from flat names with :meth:`from_flat`."""

    network: NetworkOptions = dataclasses.field(default_factory=NetworkOptions)
    diffusion: DiffusionOptions = dataclasses.field(default_factory=DiffusionOptions)
    training: TrainingOptions = dataclasses.field(default_factory=TrainingOptions)
    sampling: SamplingOptions = dataclasses.field(default_factory=SamplingOptions)
    privacy: PrivacyOptions = dataclasses.field(default_factory=PrivacyOptions)

    def __post_init__(self):
        steps = self.sampling.sampling_steps
        if steps is not None and steps > self.diffusion.num_timesteps:
            raise OptionError(
                f"'sampling_steps' ({steps}) cannot exceed 'num_timesteps' "
                f'({self.diffusion.num_timesteps}).'
            )

    def __setstate__(self, state):
        # A group declared after the options were pickled takes its defaults (privacy: off).
        for field in dataclasses.fields(self):
            if field.name not in state:
                state[field.name] = field.default_factory()

        self.__dict__.update(state)

    @classmethod
    def groups(cls):
        """dict[str, type]: The option group class of each group field."""
        return {field.name: field.type for field in dataclasses.fields(cls)}

    @classmethod
    def group_of(cls):
        """dict[str, str]: The group of every option name."""
        return {
            name: group
            for group, group_class in cls.groups().items()
            for name, _, _ in group_class.declarations()
        }

    @classmethod
    def from_flat(cls, values=None):
        """Options from ``{option name: value}``; options not named keep their defaults.

        Raises:
            OptionError:
                If a name is not an option, or a value is not allowed.
        """
        return cls().replace(**(values or {}))

    def replace(self, **changes):
        """A copy with ``changes`` (flat option names of any group), checked."""
        group_of = self.group_of()
        unknown = sorted(name for name in changes if name not in group_of)
        if unknown:
            raise OptionError(
                f'Unknown option(s) {unknown}. The options are {sorted(group_of)} '
                '(see docs/options.md).'
            )

        by_group = {}
        for name, value in changes.items():
            by_group.setdefault(group_of[name], {})[name] = value

        groups = {
            group: getattr(self, group).replace(**by_group[group])
            for group in self.groups()
            if group in by_group
        }
        return dataclasses.replace(self, **groups)

    def flat(self):
        """dict: Every option in force by name."""
        values = {}
        for group in self.groups():
            values.update(getattr(self, group).as_dict())

        return values

    def model_part(self):
        """ModelOptions: The groups the torch model reads (a subclass drops its own)."""
        return ModelOptions(
            self.network, self.diffusion, self.training, self.sampling, self.privacy
        )
