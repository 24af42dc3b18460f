"""Tutorial: fill the holes of a real incomplete table with MissDiff, and compare with the mean.

Runs in about a minute on 2 CPU cores (small sample, few epochs); raise ``EPOCHS`` and
``NUM_ROWS`` for better imputations. Run with ``python tutorials/impute_missing_values.py``.
"""

import numpy as np
import torch

from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.datasets import ADULT_NUMERICAL_COLUMNS, get_adult_metadata, load_adult_split
from sdv_missdiff.missingness import simulate_missing

NUM_ROWS = 1000
EPOCHS = 20
torch.manual_seed(0)

# 1. A real table, with 20% of its cells hidden completely at random. We keep the complete
#    version only to score the imputations at the end; MissDiff never sees it.
complete, _ = load_adult_split(NUM_ROWS, 100, seed=0)
incomplete, hidden = simulate_missing(complete, 'mcar_independent', 0.2, seed=0)
print(f'{int(hidden.to_numpy().sum())} of {hidden.size} cells are missing')

# 2. Fit MissDiff on the incomplete table: missing cells are left out of the loss, nothing is
#    imputed before training.
synthesizer = MissDiffSynthesizer(
    get_adult_metadata(),
    epochs=EPOCHS,
    batch_size=100,
    denoiser_width=128,
    denoiser_blocks=2,
    sampling_steps=25,
)
synthesizer.fit({'adult': incomplete})

# 3. Impute: every observed cell is kept as given, every NaN is generated around it. By default
#    each hole gets one draw from the model's distribution given the row's observed cells, so
#    the completed table keeps the spread of real data. point_estimate=True instead pools
#    several draws into a best guess per cell (their mean for numbers, their most frequent value
#    for categories): lower error cell by cell, the kind of fill mean or MICE imputation gives.
one_draw = synthesizer.impute(incomplete)
best_guess = synthesizer.impute(incomplete, point_estimate=True, num_draws=5)
assert best_guess.notna().all().all()
assert (best_guess[~hidden] == incomplete[~hidden]).sum().sum() == (~hidden).sum().sum()

# 4. Multiple imputation: 3 completions stacked under an 'imputation' index level.
completions = synthesizer.impute(incomplete.head(200), num_imputations=3)
print(
    'mean age per completion:',
    completions.groupby(level='imputation')['age'].mean().round(2).tolist(),
)

# 5. Compare with mean/mode imputation on the hidden cells.
mean_imputed = incomplete.fillna(incomplete.mean(numeric_only=True))
mean_imputed = mean_imputed.fillna(incomplete.mode().iloc[0])


def normalised_rmse(filled):
    """RMSE over the hidden cells of each numerical column / the column range, averaged."""
    errors = []
    for column in ADULT_NUMERICAL_COLUMNS:
        rows = hidden[column]
        spread = complete[column].max() - complete[column].min()
        error = filled.loc[rows, column].astype(float) - complete.loc[rows, column]
        errors.append(np.sqrt(np.mean(error**2)) / spread)

    return float(np.mean(errors))


def categorical_accuracy(filled):
    """Share of hidden categorical cells filled with the true category, averaged."""
    columns = [column for column in complete.columns if column not in ADULT_NUMERICAL_COLUMNS]
    return float(
        np.mean(
            [
                (filled.loc[hidden[column], column] == complete.loc[hidden[column], column]).mean()
                for column in columns
            ]
        )
    )


for name, filled in (
    ('mean/mode', mean_imputed),
    ('MissDiff, one draw', one_draw),
    ('MissDiff, best guess', best_guess),
):
    print(
        f'{name:>20}: normalised RMSE {normalised_rmse(filled):.4f}, '
        f'categorical accuracy {categorical_accuracy(filled):.3f}'
    )
