"""Truncated 10-d Gaussian parameter estimation under MCAR (paper's first experiment, small scale).

Data: ``N(mean, P^-1)`` truncated to the positive orthant, ``n`` rows, cells hidden MCAR.
Every estimator fits a truncated Gaussian (mean and Cholesky precision) by truncated score
matching; the error is the Frobenius distance of the fitted precision to the truth and the
Euclidean distance of the means. ``full_data`` fits the same model before hiding cells.

Run: ``python -m benchmarks.score_matching.truncated_gaussian``
"""

import argparse
import warnings

import numpy as np
import pandas as pd

from benchmarks.score_matching.common import RESULTS_DIR, Timer, mcar, single_thread, to_markdown


def true_parameters(dim):
    """Mean ``1`` and a tridiagonal precision with off-diagonal ``-0.4``."""
    precision = np.eye(dim) - 0.4 * (np.eye(dim, k=1) + np.eye(dim, k=-1))
    return np.ones(dim), precision


def sample_truncated(mean, precision, n, rng):
    """Rejection sampling of the Gaussian truncated to the positive orthant."""
    covariance = np.linalg.inv(precision)
    rows = []
    count = 0
    while count < n:
        draws = rng.multivariate_normal(mean, covariance, size=20 * n)
        draws = draws[(draws >= 0).all(axis=1)]
        rows.append(draws)
        count += len(draws)

    return np.concatenate(rows)[:n]


def run(dim, n, rate, seeds, epochs, variational_steps):
    """Fit every estimator for every seed; returns one row per (seed, estimator)."""
    from sdv_missdiff.score_matching import TruncatedGaussianEnergy, get_estimator

    mean, precision = true_parameters(dim)
    records = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        data = sample_truncated(mean, precision, n, rng)
        incomplete = mcar(data, rate, rng)
        settings = {
            'full_data': ('zeroed', data, {}),
            'marginal_iw': ('marginal_iw', incomplete, {'num_samples': 10}),
            'marginal_variational': (
                'marginal_variational',
                incomplete,
                {'variational_steps': variational_steps, 'hidden_dims': (64, 64)},
            ),
            'zeroed': ('zeroed', incomplete, {}),
            'complete_case': ('complete_case', incomplete, {}),
        }
        for label, (name, table, kwargs) in settings.items():
            energy = TruncatedGaussianEnergy(dim, lower=0.0)
            estimator = get_estimator(
                name, energy, epochs=epochs, learning_rate=0.05, seed=seed, **kwargs
            )
            with Timer() as timer:
                estimator.fit(table)

            fitted_precision = energy.precision.detach().numpy()
            fitted_mean = energy.mean.detach().numpy()
            records.append(
                {
                    'seed': seed,
                    'estimator': label,
                    'precision_error': float(np.linalg.norm(fitted_precision - precision)),
                    'mean_error': float(np.linalg.norm(fitted_mean - mean)),
                    'natural_parameter_error': float(
                        np.linalg.norm(fitted_precision @ fitted_mean - precision @ mean)
                    ),
                    'complete_rows': int((~np.isnan(table)).all(axis=1).sum()),
                    'seconds': timer.seconds,
                }
            )
            print(records[-1])

    return pd.DataFrame(records)


def plot(results, path):
    """Box plot of the precision errors per estimator."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    order = ['full_data', 'marginal_iw', 'marginal_variational', 'zeroed', 'complete_case']
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, column in zip(axes, ['precision_error', 'mean_error']):
        groups = [results.loc[results.estimator == label, column] for label in order]
        ax.boxplot(groups)
        ax.set_xticks(range(1, len(order) + 1))
        ax.set_xticklabels([label.replace('_', '\n') for label in order], fontsize=8)
        ax.set_ylabel(column.replace('_', ' '))
        ax.set_yscale('log')

    fig.suptitle('Truncated 10-d Gaussian, MCAR: estimation error (lower is better)')
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dim', type=int, default=10)
    parser.add_argument('--n', type=int, default=1000)
    parser.add_argument('--rate', type=float, default=0.2)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=400)
    parser.add_argument('--variational-steps', type=int, default=2)
    parser.add_argument('--output', default=str(RESULTS_DIR))
    args = parser.parse_args()
    single_thread()
    warnings.filterwarnings('ignore')
    results = run(args.dim, args.n, args.rate, args.seeds, args.epochs, args.variational_steps)
    output = __import__('pathlib').Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results.to_csv(output / 'truncated_gaussian.csv', index=False)
    summary = (
        results.groupby('estimator')[
            ['precision_error', 'natural_parameter_error', 'mean_error', 'seconds']
        ]
        .agg(['mean', 'std'])
        .round(3)
    )
    (output / 'truncated_gaussian.md').write_text(
        f'# Truncated {args.dim}-d Gaussian, n={args.n}, MCAR {args.rate}, '
        f'seeds {args.seeds}, {args.epochs} epochs\n\n' + to_markdown(summary)
    )
    plot(results, output / 'truncated_gaussian.png')
    print(summary)


if __name__ == '__main__':
    main()
