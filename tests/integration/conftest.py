"""Fixtures shared by the integration tests: a small fitted synthesizer."""

import numpy as np
import pytest
import torch

from sdv_missdiff.synthesizer import MissDiffSynthesizer
from tests.tables import dependent_table, dependent_table_metadata


@pytest.fixture(scope='module')
def synthesizer():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = dependent_table()
    data.loc[data.index % 5 == 0, 'y'] = np.nan
    synthesizer = MissDiffSynthesizer(
        dependent_table_metadata(),
        epochs=5,
        model_options={'denoiser_width': 32, 'denoiser_blocks': 1, 'sampling_steps': 10},
    )
    synthesizer.fit({'table': data})
    return synthesizer
