"""GGM edge recovery on a star graph under MCAR (paper's graphical model experiment, small scale).

Data: ``N(0, P^-1)`` with a star-graph precision (node 0 linked to every other node with
``P_0j = -0.9 / sqrt(d - 1)``, unit diagonal). For each dimension, MCAR rate and estimator a
:class:`GaussianGraphicalModel` is fitted along a path of L1 penalties and the ROC AUC of the
recovered edges is recorded.

Run: ``python -m benchmarks.score_matching.ggm_star``
"""

import argparse
import pathlib
import warnings

import numpy as np
import pandas as pd

from benchmarks.score_matching.common import RESULTS_DIR, Timer, mcar, single_thread, to_markdown

ESTIMATORS = ('marginal_variational', 'marginal_iw', 'zeroed')


def star_precision(dim):
    """Star-graph precision matrix and its adjacency."""
    precision = np.eye(dim)
    precision[0, 1:] = precision[1:, 0] = -0.9 / np.sqrt(dim - 1)
    adjacency = precision != 0
    np.fill_diagonal(adjacency, False)
    return precision, adjacency


def run(dims, rates, n, seeds, epochs, num_alphas, variational_steps):
    """One row per (dim, rate, seed, estimator)."""
    from sdv_missdiff.score_matching import GaussianGraphicalModel, roc_auc

    records = []
    for dim in dims:
        precision, adjacency = star_precision(dim)
        for rate in rates:
            for seed in seeds:
                rng = np.random.default_rng(seed)
                data = rng.multivariate_normal(np.zeros(dim), np.linalg.inv(precision), size=n)
                incomplete = mcar(data, rate, rng)
                for estimator in ESTIMATORS:
                    kwargs = {}
                    if estimator == 'marginal_variational':
                        kwargs = {'variational_steps': variational_steps, 'hidden_dims': (64, 64)}

                    model = GaussianGraphicalModel(
                        estimator, epochs=epochs, seed=seed, estimator_kwargs=kwargs
                    )
                    with Timer() as timer:
                        path = model.penalty_path(incomplete, num_alphas=num_alphas, min_ratio=0.05)

                    records.append(
                        {
                            'dim': dim,
                            'mcar_rate': rate,
                            'seed': seed,
                            'estimator': estimator,
                            'auc': roc_auc(path, adjacency),
                            'seconds': timer.seconds,
                        }
                    )
                    print(records[-1], flush=True)

    return pd.DataFrame(records)


def plot(results, path):
    """AUC against the MCAR rate, one panel per dimension."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    dims = sorted(results.dim.unique())
    fig, axes = plt.subplots(1, len(dims), figsize=(5 * len(dims), 4), squeeze=False)
    for ax, dim in zip(axes[0], dims):
        subset = results[results.dim == dim]
        for estimator in ESTIMATORS:
            curve = subset[subset.estimator == estimator].groupby('mcar_rate').auc.mean()
            ax.plot(curve.index, curve.values, marker='o', label=estimator)

        ax.set_title(f'Star graph, d = {dim}')
        ax.set_xlabel('MCAR rate')
        ax.set_ylabel('edge recovery ROC AUC')
        ax.set_ylim(0.4, 1.02)
        ax.grid(alpha=0.3)
        ax.legend()

    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dims', type=int, nargs='+', default=[10, 50])
    parser.add_argument('--rates', type=float, nargs='+', default=[0.2, 0.5, 0.8])
    parser.add_argument('--n', type=int, default=500)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--epochs', type=int, default=60)
    parser.add_argument('--num-alphas', type=int, default=10)
    parser.add_argument('--variational-steps', type=int, default=2)
    parser.add_argument('--output', default=str(RESULTS_DIR))
    args = parser.parse_args()
    single_thread()
    warnings.filterwarnings('ignore')
    results = run(
        args.dims,
        args.rates,
        args.n,
        args.seeds,
        args.epochs,
        args.num_alphas,
        args.variational_steps,
    )
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results.to_csv(output / 'ggm_star.csv', index=False)
    table = results.pivot_table(index=['dim', 'mcar_rate'], columns='estimator', values='auc')
    table = table[list(ESTIMATORS)].round(3)
    (output / 'ggm_star.md').write_text(
        f'# Star-graph GGM edge recovery (ROC AUC), n={args.n}, seeds {args.seeds}, '
        f'{args.num_alphas} penalties, {args.epochs} epochs each\n\n' + to_markdown(table)
    )
    plot(results, output / 'ggm_star.png')
    print(table)


if __name__ == '__main__':
    main()
