"""Quickstart: synthesize a table with missing values without imputing it first.

Runs end to end in about a minute on a laptop CPU (small data, few epochs). Real use: more rows
and the default ``epochs``.
"""

import tempfile
import warnings
from pathlib import Path

import torch
from sdv.evaluation import evaluate_quality
from sdv.metadata import Metadata
from sdv.single_table import MissDiffSynthesizer  # registered by sdv-missdiff
from sdv.utils import load_synthesizer

from sdv_missdiff.datasets import load_adult_split
from sdv_missdiff.missingness import simulate_missing

warnings.filterwarnings('ignore', module='sdv')

# 1. An incomplete table. Here we hide 20% of the cells of 2,000 complete Adult rows ourselves,
#    so that we can later score the synthetic rows against the complete truth.
complete, _ = load_adult_split(num_train_rows=2_000, num_test_rows=0, seed=0)
patients, mask = simulate_missing(complete, 'mcar_independent', rate=0.2, seed=0)
print(
    f'{mask.to_numpy().mean():.0%} of the cells are missing;',
    f'{patients.notna().all(axis=1).mean():.0%} of the rows are complete.',
)

# 2. Metadata, as for any SDV synthesizer.
metadata = Metadata.detect_from_dataframes({'patients': patients})

# 3. Fit on the incomplete table: NaN cells are left out of the loss, not filled in.
torch.manual_seed(0)  # makes the fit repeatable
synthesizer = MissDiffSynthesizer(metadata, epochs=100)  # epochs=None (default) trains longer
synthesizer.fit({'patients': patients})
print(synthesizer.get_loss_values().tail(3))

# 4. Sample complete rows. set_random_state makes sampling repeatable, ids and PII included.
synthesizer.set_random_state(0)
synthetic = synthesizer.sample(2_000)['patients']
print(synthetic.head())
assert not synthetic.isna().any().any()

# 5. Score against the complete rows with SDV's own evaluation.
report = evaluate_quality({'patients': complete}, {'patients': synthetic}, metadata, verbose=False)
print(f'Quality against the complete data: {report.get_score():.3f}')

# 6. Save and load like any SDV synthesizer (here into a temporary folder).
path = Path(tempfile.mkdtemp()) / 'missdiff_quickstart.pkl'
synthesizer.save(path)
loaded = load_synthesizer(path)
print(loaded.sample(3)['patients'])
