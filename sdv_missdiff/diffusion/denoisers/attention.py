"""Column-attention transformer denoiser: one token per column, attention across a row."""

import math

import torch
from torch import nn

from sdv_missdiff.diffusion.denoisers.layout import as_layout
from sdv_missdiff.diffusion.denoisers.mlp import PeriodicEmbedding, timestep_embedding

# Positions of the cell states in the state embedding.
TO_GENERATE, KNOWN, MISSING = 0, 1, 2


def _block_mask(owners, num_columns, width):
    """Float mask ``(len(owners), num_columns * width)``: 1 where input ``i`` feeds its column."""
    owners = torch.as_tensor(owners, dtype=torch.long)
    token_columns = torch.arange(num_columns).repeat_interleave(width)
    return (owners.unsqueeze(1) == token_columns.unsqueeze(0)).float()


def _block_weight(mask, fan_in):
    """A weight shaped like ``mask``, zero outside it, each block drawn as ``nn.Linear`` would.

    Args:
        mask (torch.Tensor):
            Block mask, shape ``(inputs, outputs)``.
        fan_in (torch.Tensor):
            Number of inputs of the block of each entry, shape ``(inputs, outputs)`` (any
            positive value outside the mask).

    Returns:
        torch.Tensor:
            The initial weight.
    """
    bound = fan_in.float().rsqrt()
    return (torch.rand(mask.shape) * 2 - 1) * bound * mask


class ColumnAttentionDenoiser(nn.Module):
    """Transformer over the columns of a row that predicts the noise added at step ``t``.

    Each column becomes one token (the FT-Transformer of Gorishniy et al. 2021, "Revisiting
    Deep Learning Models for Tabular Data"), told its column, its cell's state and the step;
    pre-norm transformer layers let the columns of a row attend to each other, and a head per
    column reads its own dimensions back from its token: the predicted noise of Gaussian
    dimensions, the logits of the levels of a one-hot block.

    The tokeniser and the head are each one matrix product with a block-diagonal weight (a
    fixed mask zeroes every entry outside a column's own block), so a column's token sees only
    its own dimensions and no Python loop runs over the columns.

    Cost: attention and the feed-forward part run once per column, so a layer costs about
    ``num_columns * (4 * token_dimensions + 2 * hidden_dimensions) * token_dimensions``
    multiply-adds per row, against ``2 * hidden_dimensions ** 2`` for a residual block of
    :class:`~sdv_missdiff.diffusion.denoisers.mlp.MLPDenoiser`. ``num_blocks`` is taken as the
    number of layers all the same, so that it means the same depth in both denoisers: no
    mapping of it makes the costs match, since on Adult's shape (15 columns, 109 dimensions,
    256 rows, one CPU thread) a single layer already takes about 3 times the time of the
    whole default MLP per training step, and the default 4 layers about 11 times. Pass a
    smaller ``num_blocks`` for a cheaper denoiser.

    It follows the :class:`~sdv_missdiff.diffusion.denoisers.base.Denoiser` protocol.

    Args:
        layout (ColumnLayout or int):
            The column structure of an encoded row, or its width (that many continuous
            columns).
        hidden_dimensions (int):
            Width of the feed-forward part of each transformer layer. Defaults to 256.
        num_blocks (int):
            Number of transformer layers. Defaults to 4.
        time_dimensions (int):
            Width of the sinusoidal step embedding. Defaults to 128.
        dropout (float):
            Dropout inside the transformer layers (attention weights, feed-forward part and
            residual branches). Defaults to 0.
        conditional (bool):
            Also take a condition mask (dimensions where it is 1 hold clean known values
            instead of noisy ones) and a missing mask (dimensions where it is 1 hold no
            information at all), and tell each token whether its cell is known, missing or to
            be generated. Defaults to ``False``.
        token_dimensions (int):
            Width of a token. Defaults to 64.
        num_heads (int):
            Attention heads per layer; must divide ``token_dimensions``. Defaults to 4.
        periodic_embedding (int):
            Frequencies of the learned periodic features of each scalar (continuous or
            frequency) column's value, added to its token; 0 adds none. Defaults to 0.
        periodic_scale (float):
            Standard deviation of the initial frequencies. Defaults to 1.
    """

    def __init__(
        self,
        layout,
        hidden_dimensions=256,
        num_blocks=4,
        time_dimensions=128,
        dropout=0.0,
        conditional=False,
        token_dimensions=64,
        num_heads=4,
        periodic_embedding=0,
        periodic_scale=1.0,
    ):
        super().__init__()
        if token_dimensions % num_heads:
            raise ValueError(
                f'token_dimensions ({token_dimensions}) must be a multiple of num_heads '
                f'({num_heads}).'
            )

        self.layout = as_layout(layout)
        self.conditional = conditional
        self.time_dimensions = time_dimensions
        self.token_dimensions = token_dimensions
        num_columns = self.layout.num_columns
        spans = self.layout.spans
        widths = torch.tensor([span.stop - span.start for span in spans], dtype=torch.long)
        # Masks are constant within a column, so its first dimension gives the cell's state.
        first = [span.start for span in spans]
        self.register_buffer('first_dimensions', torch.as_tensor(first, dtype=torch.long))

        owners = list(self.layout.column_index)
        fan_in = widths.clone()
        scalar_columns = [
            column for column, kind in enumerate(self.layout.kinds) if kind != 'one_hot'
        ]
        scalar = [first[column] for column in scalar_columns]
        self.register_buffer('scalar_dimensions', torch.as_tensor(scalar, dtype=torch.long))
        self.periodic = None
        if periodic_embedding and scalar:
            self.periodic = PeriodicEmbedding(len(scalar), periodic_embedding, periodic_scale)
            # The features of a scalar are contiguous (cos then sin) and feed its own token.
            owners += [column for column in scalar_columns for _ in range(2 * periodic_embedding)]
            fan_in[scalar_columns] += 2 * periodic_embedding

        # Tokeniser: inputs (values, then periodic features) -> num_columns tokens, one product.
        token_mask = _block_mask(owners, num_columns, token_dimensions)
        self.register_buffer('token_mask', token_mask)
        token_fan_in = fan_in[torch.as_tensor(owners, dtype=torch.long)].unsqueeze(1)
        self.token_weight = nn.Parameter(_block_weight(token_mask, token_fan_in))
        # The tokeniser's bias per column is the column-identity embedding: two learned
        # constants per column would only ever be added together.
        self.column_embedding = nn.Parameter(
            (torch.rand(num_columns, token_dimensions) * 2 - 1) * fan_in.float().rsqrt()[:, None]
        )
        self.state_embedding = nn.Parameter(torch.randn(3, token_dimensions) * 0.02)
        self.time_mlp = nn.Sequential(
            nn.Linear(time_dimensions, token_dimensions),
            nn.SiLU(),
            nn.Linear(token_dimensions, token_dimensions),
        )
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(
                token_dimensions,
                num_heads,
                dim_feedforward=hidden_dimensions,
                dropout=dropout,
                activation='gelu',
                batch_first=True,
                norm_first=True,
            )
            for _ in range(num_blocks)
        )
        self.output_norm = nn.LayerNorm(token_dimensions)
        # Head: tokens -> each column's own dimensions, the tokeniser's block mask transposed.
        head_mask = token_mask[: self.layout.num_dimensions].T.contiguous()
        self.register_buffer('head_mask', head_mask)
        self.head_weight = nn.Parameter(_block_weight(head_mask, torch.tensor(token_dimensions)))
        self.head_bias = nn.Parameter(
            (torch.rand(self.layout.num_dimensions) * 2 - 1) / math.sqrt(token_dimensions)
        )

    @property
    def data_dimensions(self):
        """int: Width of an encoded row."""
        return self.layout.num_dimensions

    def _step_embedding(self, timesteps):
        """Embedding of each row's step, shape ``(rows, token_dimensions)``."""
        # Rows share few distinct steps (one while sampling): embed each distinct step once.
        unique_steps, inverse = torch.unique(timesteps, return_inverse=True)
        embedding = self.time_mlp(timestep_embedding(unique_steps, self.time_dimensions))
        if torch.is_grad_enabled():
            # Spread by a one-hot product, not by indexing: the backward of indexing adds
            # gradients in thread order on a CPU, so seeded fits would differ with 2+ threads.
            rows = nn.functional.one_hot(inverse, len(unique_steps)).to(embedding.dtype)
            return rows @ embedding

        return embedding[inverse]

    def _state_embedding(self, noisy_rows, condition_mask, missing_mask):
        """Each cell's state embedding, broadcastable to ``(rows, columns, token_dimensions)``."""
        if not self.conditional or (condition_mask is None and missing_mask is None):
            return self.state_embedding[TO_GENERATE]

        dtype = self.state_embedding.dtype
        zeros = noisy_rows.new_zeros(noisy_rows.shape[0], self.layout.num_columns, dtype=dtype)
        known = zeros
        if condition_mask is not None:
            known = condition_mask[:, self.first_dimensions].to(dtype)

        missing = zeros
        if missing_mask is not None:
            # A known cell is never missing; should both be set, the known value wins.
            missing = missing_mask[:, self.first_dimensions].to(dtype) * (1 - known)

        # A one-hot product rather than indexing, for the same deterministic backward.
        states = torch.stack([1 - known - missing, known, missing], dim=2)
        return states @ self.state_embedding

    def tokenize(self, noisy_rows, timesteps, condition_mask=None, missing_mask=None):
        """The tokens that enter the first transformer layer, one per column.

        Args:
            noisy_rows (torch.Tensor):
                Rows at noise level ``timesteps``.
            timesteps (torch.Tensor):
                Integer step of each row.
            condition_mask (torch.Tensor or None):
                1 where a dimension is a known condition. Defaults to ``None``.
            missing_mask (torch.Tensor or None):
                1 where a dimension is missing from the training row. Defaults to ``None``.

        Returns:
            torch.Tensor:
                Tokens, shape ``(rows, num_columns, token_dimensions)``.
        """
        inputs = noisy_rows
        if self.periodic is not None:
            features = self.periodic(noisy_rows[:, self.scalar_dimensions])
            inputs = torch.cat([noisy_rows, features], dim=1)

        tokens = inputs @ (self.token_weight * self.token_mask)
        tokens = tokens.unflatten(1, (self.layout.num_columns, self.token_dimensions))
        tokens = tokens + self.column_embedding
        tokens = tokens + self._state_embedding(noisy_rows, condition_mask, missing_mask)
        return tokens + self._step_embedding(timesteps).unsqueeze(1)

    def forward(self, noisy_rows, timesteps, condition_mask=None, missing_mask=None):
        """Predict the noise in ``noisy_rows`` (logits for one-hot levels); see ``Denoiser``."""
        hidden = self.tokenize(noisy_rows, timesteps, condition_mask, missing_mask)
        for layer in self.layers:
            hidden = layer(hidden)

        hidden = self.output_norm(hidden).flatten(1)
        return hidden @ (self.head_weight * self.head_mask) + self.head_bias
