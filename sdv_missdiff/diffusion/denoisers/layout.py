"""The column structure of an encoded row: which model dimensions belong to which column."""

from dataclasses import dataclass

import numpy as np

# How a column's dimensions encode it; a denoiser may treat each kind its own way.
COLUMN_KINDS = ('continuous', 'one_hot', 'frequency')


@dataclass(frozen=True)
class ColumnLayout:
    """Which dimensions of an encoded row belong to which column, and how each is encoded.

    Args:
        column_index (tuple[int, ...]):
            For each model dimension, the position of the column that owns it; a column's
            dimensions are contiguous and columns are numbered 0, 1, ... in order.
        kinds (tuple[str, ...]):
            For each column, one of :data:`COLUMN_KINDS`: ``'continuous'`` (one scaled
            dimension), ``'one_hot'`` (a block of one dimension per level) or ``'frequency'``
            (one dimension whose intervals are levels).
    """

    column_index: tuple
    kinds: tuple

    def __post_init__(self):
        index = np.asarray(self.column_index, dtype=np.int64)
        expected = np.cumsum(np.r_[0, np.diff(index) != 0]) if len(index) else index
        if len(index) and (index[0] != 0 or not np.array_equal(index, expected)):
            raise ValueError(
                'column_index must number contiguous blocks of dimensions 0, 1, 2, ... in order.'
            )

        if len(self.kinds) != self.num_columns:
            raise ValueError(
                f'kinds names {len(self.kinds)} column(s) but column_index has {self.num_columns}.'
            )

        unknown = sorted(set(self.kinds) - set(COLUMN_KINDS))
        if unknown:
            raise ValueError(f'Unknown column kind(s) {unknown}. Use {list(COLUMN_KINDS)}.')

    @classmethod
    def from_column_index(cls, column_index, kinds=None):
        """Build a layout from the owner of each dimension.

        Args:
            column_index (array-like of int):
                Column that owns each dimension (contiguous blocks numbered 0, 1, ...).
            kinds (list[str] or None):
                Kind of each column. Defaults to ``None``: a one-dimension column is
                ``'continuous'``, a wider one ``'one_hot'``.

        Returns:
            ColumnLayout:
                The layout.
        """
        column_index = tuple(int(position) for position in column_index)
        if kinds is None:
            widths = np.bincount(column_index) if column_index else []
            kinds = ['continuous' if width == 1 else 'one_hot' for width in widths]

        return cls(column_index, tuple(kinds))

    @classmethod
    def continuous(cls, num_dimensions):
        """Layout of ``num_dimensions`` continuous columns of one dimension each."""
        return cls(tuple(range(num_dimensions)), ('continuous',) * num_dimensions)

    @property
    def num_dimensions(self):
        """int: Width of an encoded row."""
        return len(self.column_index)

    @property
    def num_columns(self):
        """int: Number of columns."""
        return self.column_index[-1] + 1 if self.column_index else 0

    @property
    def spans(self):
        """list[slice]: The dimensions of each column, in column order."""
        index = np.asarray(self.column_index, dtype=np.int64)
        starts = np.searchsorted(index, np.arange(self.num_columns), side='left')
        stops = np.searchsorted(index, np.arange(self.num_columns), side='right')
        return [slice(int(start), int(stop)) for start, stop in zip(starts, stops)]


def as_layout(layout):
    """Return ``layout`` as a :class:`ColumnLayout`; an ``int`` is that many continuous columns."""
    if isinstance(layout, ColumnLayout):
        return layout

    if isinstance(layout, (int, np.integer)) and not isinstance(layout, bool) and layout >= 0:
        return ColumnLayout.continuous(int(layout))

    raise TypeError(f'Expected a ColumnLayout or a number of dimensions, got {layout!r}.')
