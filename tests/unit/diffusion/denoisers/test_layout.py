import pytest
import torch

from sdv_missdiff.diffusion.denoisers import (
    DENOISERS,
    ColumnLayout,
    MLPDenoiser,
    as_layout,
    make_denoiser,
)


def test_layout_from_column_index_finds_spans_and_kinds():
    # Run
    layout = ColumnLayout.from_column_index([0, 1, 1, 1, 2])

    # Assert
    assert layout.num_dimensions == 5
    assert layout.num_columns == 3
    assert layout.spans == [slice(0, 1), slice(1, 4), slice(4, 5)]
    assert layout.kinds == ('continuous', 'one_hot', 'continuous')


def test_layout_keeps_given_kinds():
    layout = ColumnLayout.from_column_index([0, 1], kinds=['frequency', 'continuous'])
    assert layout.kinds == ('frequency', 'continuous')


@pytest.mark.parametrize(
    ('column_index', 'kinds', 'message'),
    [
        ([1, 1], None, 'contiguous'),
        ([0, 1, 0], ['continuous'] * 2, 'contiguous'),
        ([0, 1], ['continuous'], 'names 1 column'),
        ([0], ['categorical'], 'Unknown column kind'),
    ],
)
def test_invalid_layouts_raise(column_index, kinds, message):
    with pytest.raises(ValueError, match=message):
        ColumnLayout.from_column_index(column_index, kinds)


def test_as_layout_reads_a_width_as_continuous_columns():
    assert as_layout(3) == ColumnLayout.continuous(3)
    with pytest.raises(TypeError, match='ColumnLayout'):
        as_layout(True)


def test_make_denoiser_builds_a_registered_denoiser():
    # Run
    torch.manual_seed(0)
    built = make_denoiser('mlp', 4, conditional=True, hidden_dimensions=8, num_blocks=1)
    torch.manual_seed(0)
    direct = MLPDenoiser(4, hidden_dimensions=8, num_blocks=1, conditional=True)

    # Assert
    assert set(DENOISERS) == {'mlp', 'column_attention'}
    assert built.conditional
    for built_parameter, direct_parameter in zip(built.parameters(), direct.parameters()):
        assert torch.equal(built_parameter, direct_parameter)


def test_make_denoiser_names_the_choices_for_an_unknown_name():
    choices = r"\['mlp', 'column_attention'\]"
    with pytest.raises(ValueError, match=r"Unknown denoiser 'transformer'.*" + choices):
        make_denoiser('transformer', 3)
