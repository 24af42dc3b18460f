import pandas as pd
import pytest
from sdv.errors import InvalidDataError

from sdv_missdiff.errors import MissDiffInputError


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
