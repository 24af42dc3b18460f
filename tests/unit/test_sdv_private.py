"""The private SDV surface sdv-missdiff relies on: fails loudly when an SDV release changes it."""

import inspect
import subprocess
import sys

import pytest
from sdv.cag import FixedCombinations, Inequality, Range
from sdv.data_processing import DataProcessor
from sdv.single_table.base import BaseSingleTableSynthesizer

from sdv_missdiff import sdv_private
from sdv_missdiff.synthesizer import MissDiffSynthesizer


@pytest.mark.parametrize(('name', 'parameters'), sdv_private.PRIVATE_METHODS.items())
def test_private_synthesizer_methods_exist_with_the_parameters_we_pass(name, parameters):
    method = getattr(BaseSingleTableSynthesizer, name)
    signature = [p for p in inspect.signature(method).parameters if p != 'self']
    assert tuple(signature) == parameters, f'SDV changed {name}{inspect.signature(method)}'


def test_subclass_hooks_are_what_sdv_calls_and_sets():
    # Setup: SDV's own code must still call or set every hook we define or read.
    source = inspect.getsource(sys.modules[BaseSingleTableSynthesizer.__module__])

    # Assert
    for hook in sdv_private.SUBCLASS_HOOKS:
        assert f'self.{hook}' in source or f'cls.{hook}' in source, hook
        if hook in ('_fit', '_sample', '_model_sdtype_transformers'):
            assert hook in vars(MissDiffSynthesizer), hook


def test_data_processor_methods_we_call():
    assert 'is_condition' in inspect.signature(DataProcessor.transform).parameters
    assert callable(DataProcessor.reverse_transform)
    assert callable(DataProcessor.reset_sampling)
    assert '_hyper_transformer' in inspect.getsource(DataProcessor.__init__)


def test_private_helpers_and_constants_import():
    assert isinstance(sdv_private.FIXED_RNG_SEED, int)
    assert sdv_private.single_table_data({'table': 'frame'}) == 'frame'
    for helper in (
        sdv_private.detect_discrete_columns,
        sdv_private.handle_sampling_error,
        sdv_private.validate_folder_path_with_table_names,
    ):
        assert callable(helper)


@pytest.mark.parametrize(
    ('constraint', 'attributes'),
    [
        (
            Inequality('low', 'high'),
            ('_low_column_name', '_high_column_name'),
        ),
        (
            Range('low', 'middle', 'high'),
            ('_low_column_name', '_middle_column_name', '_high_column_name'),
        ),
    ],
)
def test_constraint_column_attributes_are_set_at_construction(constraint, attributes):
    columns = sdv_private.INEQUALITY_COLUMNS if len(attributes) == 2 else sdv_private.RANGE_COLUMNS
    assert columns['originals'] == attributes
    for attribute in attributes:
        assert isinstance(getattr(constraint, attribute), str), attribute


def test_fixed_combinations_attributes_are_in_sdv_source():
    # They are set in fit; tests/integration/test_constraints.py reads them from a fitted one.
    source = inspect.getsource(FixedCombinations)
    assert f'self.{sdv_private.COMBINATION_JOINT_COLUMN}' in source
    assert any(f'self.{name}' in source for name in sdv_private.COMBINATION_MAPS)


def _run(code):
    result = subprocess.run(
        [sys.executable, '-W', 'error::UserWarning', '-c', code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_diffusion_imports_no_sdv_rdt_or_pandas():
    code = (
        'import sys, sdv_missdiff.diffusion; '
        "print([name for name in ('sdv', 'rdt', 'pandas', 'sdmetrics') if name in sys.modules])"
    )
    assert _run(code) == '[]'


@pytest.mark.parametrize(
    'first_import',
    [
        'import sdv',
        'import sdv_missdiff.synthesizer',
        'from sdv_missdiff import MissDiffSynthesizer',
    ],
)
def test_synthesizer_registers_in_sdv_whatever_is_imported_first(first_import):
    code = (
        f'{first_import}\n'
        'from sdv.single_table import MissDiffSynthesizer as FromSDV\n'
        'from sdv_missdiff import MissDiffSynthesizer\n'
        'print(FromSDV is MissDiffSynthesizer)'
    )
    assert _run(code) == 'True'
