"""Tutorial: simulate missing values on your own table and compare two SDV synthesizers.

Run it from the repository root with ``python tutorials/compare_synthesizers_on_missing_data.py``.
It takes about 10 seconds (8.4 and 8.5 s wall clock with torch's default threads; 2-core CPU,
measured 2026-12-07). Replace ``make_table`` by your own complete DataFrame to use your data.

Reading the scores. MissDiff's missingness fidelity is lower than GaussianCopula's by default,
by design: ``MissDiffSynthesizer`` returns complete rows (``missing_value_generation=None``,
the data as if every cell had been observed), so its synthetic table has no holes to compare
with the real ones. Pass ``missing_value_generation='learned'`` (holes learned jointly with the
values, keeping what they depend on) or ``'random'`` (each column blanked at its observed rate,
as SDV does) to sample rows with holes. XGBoost accuracy is printed beside the majority-class
baseline, the accuracy of always predicting the most frequent income of the real test rows: a
synthesizer's rows are useful for training only as far as they beat it.
"""

import warnings

import numpy as np
import pandas as pd
from sdv.metadata import Metadata
from sdv.single_table import GaussianCopulaSynthesizer

from sdv_missdiff.evaluation import (
    evaluate_fidelity,
    evaluate_missingness_fidelity,
    evaluate_utility,
)
from sdv_missdiff.missingness import simulate_missing

warnings.filterwarnings('ignore')  # keep the tutorial output readable


# 1. A complete table. Here a small mixed-type table made up on the spot; use your own.
def make_table(num_rows, seed):
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, num_rows).clip(18, 90).round()
    hours = (rng.normal(38, 8, num_rows) + 0.1 * (age - 40)).clip(1, 99).round()
    education = rng.choice(['school', 'bachelor', 'master'], num_rows, p=[0.5, 0.35, 0.15])
    bonus = {'school': 0.0, 'bachelor': 1.0, 'master': 1.5}
    score = 0.05 * (age - 40) + 0.05 * (hours - 38) + np.vectorize(bonus.get)(education)
    income = np.where(score + rng.normal(0, 1, num_rows) > 0.8, '>50K', '<=50K')
    return pd.DataFrame(
        {
            'age': age,
            'hours_per_week': hours,
            'education': education,
            'income': income,
        }
    )


complete_train = make_table(1000, seed=0)
real_test = make_table(1000, seed=1)

# 2. Hide 20% of the cells. MAR: 'age' stays observed and drives the missingness of the rest.
#    The mask says which cells were hidden; the rate is over the columns allowed to go missing.
observed_train, mask = simulate_missing(
    complete_train, mechanism='mar', rate=0.2, seed=0, observed_columns=['age']
)
print('Missing rate per column:')
print(mask.mean().round(3).to_string(), end='\n\n')

# 3. Fit two synthesizers on the incomplete table (SDV's dict in, dict out).
metadata = Metadata.detect_from_dataframes({'t': observed_train})
try:
    from sdv_missdiff import MissDiffSynthesizer

    # Few epochs so the tutorial runs in CI (40 epochs: 160 optimisation steps at batch 256); for
    # real work keep the default (epochs=None: about 6,000 steps divided by the share of observed
    # cells, at most 500 epochs, so 500 epochs and 2,000 steps for these 1,000 rows).
    second_name, second = 'MissDiff', MissDiffSynthesizer(metadata, epochs=40)
except ImportError:
    from sdv.single_table import CTGANSynthesizer

    second_name, second = 'CTGAN', CTGANSynthesizer(metadata, epochs=5, batch_size=500)

synthesizers = {
    'GaussianCopula': GaussianCopulaSynthesizer(metadata),
    second_name: second,
}
samples = {}
for name, synthesizer in synthesizers.items():
    synthesizer.fit({'t': observed_train})
    samples[name] = synthesizer.sample(len(observed_train))['t']

# 4. Evaluate. Fidelity against the complete table (we have it because we simulated), and
#    against the observed cells only, as you would without the complete table. Missingness
#    fidelity compares the holes: MissDiff's rows here have none (see the docstring). The
#    majority-class baseline is what a model that always predicts the most frequent income of
#    the real test rows scores.
majority_class = real_test['income'].value_counts().idxmax()
majority_accuracy = float((real_test['income'] == majority_class).mean())
rows = []
for name, synthetic in samples.items():
    fidelity = evaluate_fidelity(complete_train, synthetic, metadata)
    observed_fidelity = evaluate_fidelity(observed_train, synthetic, metadata)
    missingness = evaluate_missingness_fidelity(observed_train, synthetic, metadata)
    utility = evaluate_utility(
        real_test, synthetic, target='income', metadata=metadata, models=['xgboost']
    )
    accuracy = utility.scores.query("Metric == 'accuracy'")['Score'].iloc[0]
    rows.append(
        {
            'synthesizer': name,
            'fidelity (complete)': fidelity.score,
            'fidelity (observed cells)': observed_fidelity.score,
            'missingness fidelity': missingness.score,
            'XGBoost accuracy (TSTR)': accuracy,
            'majority-class baseline': majority_accuracy,
        }
    )

print(pd.DataFrame(rows).set_index('synthesizer').round(3).to_string(), end='\n\n')
print(
    f"Majority-class baseline: always predicting '{majority_class}' is right on "
    f'{majority_accuracy:.3f} of the real test rows.'
)
holes = {name: synthetic.isna().to_numpy().mean() for name, synthetic in samples.items()}
shares = ', '.join(f'{name} {share:.3f}' for name, share in holes.items())
real_share = observed_train.isna().to_numpy().mean()
print(f'Share of missing cells: real {real_share:.3f}, synthetic {shares}.', end='\n\n')

# 5. Look closer: which columns' missingness depends on what, in real vs synthetic data?
print(f'Missingness dependence, real vs {second_name}:')
print(missingness.details.query("Component == 'Missingness Dependence'").round(3).to_string())

# Figures (plotly) for a notebook or a browser, e.g. ``figure.show()``:
figures = [
    fidelity.get_visualization('Column Shapes'),
    missingness.get_visualization('Missingness Dependence'),
    utility.get_visualization('accuracy'),
]
