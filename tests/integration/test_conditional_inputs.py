import pandas as pd
import pytest
import torch
from sdv.errors import InvalidDataError
from sdv.sampling import Condition

from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.synthesizer import MissDiffSynthesizer
from tests.tables import dependent_table, dependent_table_metadata


def test_unseen_category_in_known_columns_raises(synthesizer):
    # Setup
    known = pd.DataFrame({'color': ['purple']})

    # Run and Assert
    with pytest.raises(InvalidDataError, match=r"Column 'color' has value\(s\) \['purple'\]"):
        synthesizer.sample_remaining_columns(known)


@pytest.mark.parametrize('guidance_scale', [-1, 'high', True])
def test_sampling_methods_reject_invalid_guidance_scale(synthesizer, guidance_scale):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match="Invalid value .* for 'guidance_scale'"):
        synthesizer.sample_remaining_columns(
            pd.DataFrame({'x': [0.5]}), guidance_scale=guidance_scale
        )


def test_sdv_sample_hook_holds_processed_conditions(synthesizer):
    # SDV's _sample(num_rows, conditions) contract; MissDiff's public methods inpaint directly.
    sampled = synthesizer._sample(5, {'color': 'green'})
    assert len(sampled) == 5
    assert (sampled['color'] == 'green').all()
    assert sampled.notna().all().all()


def test_sdv_sample_hook_names_an_unseen_condition(synthesizer):
    with pytest.raises(InvalidDataError, match="Column 'color'"):
        synthesizer._sample(2, {'color': 'purple'})


@pytest.mark.parametrize('method', ['sample_from_conditions', 'sample_remaining_columns'])
def test_conditions_outside_the_fitted_range_are_refused_by_column(synthesizer, method):
    # Setup: x was fitted on a standard normal sample; 30 is far outside its range.
    known = pd.DataFrame({'x': [0.1, 30.0, 30.0]})
    calls = {
        'sample_from_conditions': lambda: synthesizer.sample_from_conditions(
            [Condition({'x': 30.0}, num_rows=2)]
        ),
        'sample_remaining_columns': lambda: synthesizer.sample_remaining_columns(known),
    }

    # Run and Assert
    with pytest.raises(MissDiffInputError, match=r"Column 'x' is asked for 30.0 \(in 2 row"):
        calls[method]()


def test_a_date_condition_outside_the_range_names_the_date_asked_for(synthesizer):
    known = pd.DataFrame({'when': [pd.Timestamp('2030-01-01')]})
    with pytest.raises(MissDiffInputError, match="'when' is asked for 2030-01-01.*2024-01-01"):
        synthesizer.sample_remaining_columns(known)


def test_without_min_max_enforcement_a_condition_outside_the_range_is_obeyed():
    # Setup
    torch.manual_seed(0)
    data = dependent_table(100)
    synthesizer = MissDiffSynthesizer(
        dependent_table_metadata(), epochs=2, enforce_min_max_values=False
    )
    synthesizer.fit({'table': data})

    # Run
    sampled = synthesizer.sample_from_conditions([Condition({'x': 30.0}, num_rows=3)])['table']

    # Assert
    assert (sampled['x'] == 30.0).all()
