"""GGM of the numerical columns of a real incomplete table, with the estimated edges drawn.

``--dataset penguins`` uses the raw Palmer penguins table shipped inside the optional
``palmerpenguins`` package (natural NaN: 14 incomplete rows of 344; the 2 rows without any
measurement are dropped). ``--dataset adult`` uses this package's bundled UCI Adult table with
cells hidden MCAR at ``--rate``.

Run: ``python -m benchmarks.score_matching.real_table --dataset penguins``
"""

import argparse
import pathlib
import warnings

import numpy as np
import pandas as pd

from benchmarks.score_matching.common import RESULTS_DIR, mcar, single_thread, to_markdown
from sdv_missdiff.datasets import ADULT_NUMERICAL_COLUMNS, load_adult

ADULT_COLUMNS = list(ADULT_NUMERICAL_COLUMNS)


def load(dataset, rate, rows, seed):
    """Numerical table with NaN."""
    if dataset == 'penguins':
        try:
            from palmerpenguins import load_penguins_raw
        except ImportError as error:
            raise SystemExit(
                'The penguins experiment needs the optional package palmerpenguins '
                '(pip install palmerpenguins); use --dataset adult otherwise.'
            ) from error

        table = load_penguins_raw().select_dtypes('number').drop(columns=['Sample Number'])
        return table.dropna(how='all').reset_index(drop=True)

    table = load_adult()[ADULT_COLUMNS].astype(float)
    table = table.sample(n=rows, random_state=seed).reset_index(drop=True)
    for column in ['fnlwgt', 'capital-gain', 'capital-loss']:
        table[column] = np.log1p(table[column])

    rng = np.random.default_rng(seed)
    return pd.DataFrame(mcar(table.to_numpy(), rate, rng), columns=table.columns)


def draw_graph(model, title, path):
    """Nodes on a circle, edges coloured by the sign of the partial correlation."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = model.columns_
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    xy = np.c_[np.cos(angles), np.sin(angles)]
    partial = model.partial_correlations_
    fig, ax = plt.subplots(figsize=(6.5, 6.5))
    for i, j in zip(*np.nonzero(np.triu(model.adjacency_, k=1))):
        value = partial[i, j]
        ax.plot(
            *xy[[i, j]].T,
            color='tab:red' if value > 0 else 'tab:blue',
            linewidth=1 + 8 * abs(value),
            alpha=0.7,
        )
        ax.text(*xy[[i, j]].mean(axis=0), f'{value:+.2f}', fontsize=8, ha='center')

    ax.scatter(*xy.T, s=300, color='white', edgecolor='black', zorder=3)
    for (x, y), name in zip(xy, names):
        ax.text(1.18 * x, 1.18 * y, name, ha='center', va='center', fontsize=9)

    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect('equal')
    ax.axis('off')
    ax.set_title(title + '\n(red: positive, blue: negative partial correlation)', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dataset', choices=['penguins', 'adult'], default='penguins')
    parser.add_argument('--estimator', default='marginal_iw')
    parser.add_argument('--alpha', type=float, default=0.1)
    parser.add_argument('--rate', type=float, default=0.2)
    parser.add_argument('--rows', type=int, default=2000)
    parser.add_argument('--epochs', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--output', default=str(RESULTS_DIR))
    args = parser.parse_args()
    single_thread()
    warnings.filterwarnings('ignore')
    from sdv_missdiff.score_matching import GaussianGraphicalModel

    table = load(args.dataset, args.rate, args.rows, args.seed)
    output = pathlib.Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    frames = []
    for estimator in dict.fromkeys([args.estimator, 'zeroed', 'complete_case']):
        model = GaussianGraphicalModel(
            estimator, alpha=args.alpha, epochs=args.epochs, seed=args.seed
        ).fit(table)
        frame = pd.DataFrame(model.partial_correlations_, index=model.columns_)
        frame.columns = model.columns_
        pairs = frame.where(np.triu(np.ones(frame.shape, dtype=bool), k=1)).stack()
        frames.append(pairs.rename(estimator))
        if estimator == args.estimator:
            draw_graph(
                model,
                f'{args.dataset}: GGM by {estimator}, alpha={args.alpha}, '
                f'{int(table.isna().any(axis=1).sum())} of {len(table)} rows incomplete',
                output / f'real_table_{args.dataset}.png',
            )

    result = pd.concat(frames, axis=1).round(3)
    result.index.names = ['column_a', 'column_b']
    result.to_csv(output / f'real_table_{args.dataset}.csv')
    (output / f'real_table_{args.dataset}.md').write_text(
        f'# Partial correlations of the {args.dataset} numerical columns '
        f'(alpha={args.alpha}, 0 = no edge)\n\n' + to_markdown(result)
    )
    print(result)


if __name__ == '__main__':
    main()
