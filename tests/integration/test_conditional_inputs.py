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
