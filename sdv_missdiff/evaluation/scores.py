"""The scores of one synthetic table as plain numbers: the call every benchmark and the demo use."""

from sdv_missdiff.evaluation._utils import get_table
from sdv_missdiff.evaluation.detection import evaluate_detection
from sdv_missdiff.evaluation.fidelity import evaluate_fidelity
from sdv_missdiff.evaluation.privacy import evaluate_privacy
from sdv_missdiff.evaluation.utility import evaluate_utility


def quality_scores(real_data, synthetic_data, metadata=None):
    """SDMetrics quality of a synthetic table and its two properties, as numbers.

    The numbers of :func:`sdv_missdiff.evaluation.evaluate_fidelity` (SDMetrics'
    ``QualityReport`` when ``real_data`` is complete, the observed cells otherwise).

    Args:
        real_data (pandas.DataFrame or dict):
            The real table, as :func:`evaluate_fidelity` takes it.
        synthetic_data (pandas.DataFrame or dict):
            The synthetic table, as :func:`evaluate_fidelity` takes it.
        metadata (sdv.metadata.Metadata, dict or None):
            As for :func:`evaluate_fidelity`. Defaults to None (detected).

    Returns:
        dict:
            ``quality`` (the overall score), ``column_shapes`` and ``column_pair_trends``, each
            a float in [0, 1].
    """
    fidelity = evaluate_fidelity(real_data, synthetic_data, metadata)
    properties = fidelity.properties.set_index('Property')['Score']
    return {
        'quality': fidelity.score,
        'column_shapes': float(properties['Column Shapes']),
        'column_pair_trends': float(properties['Column Pair Trends']),
    }


def score_synthetic(real_data, synthetic_data, metadata=None, test_data=None, target=None, seed=0):
    """Quality, XGBoost utility, detection and missing share of a synthetic table, as numbers.

    Args:
        real_data (pandas.DataFrame or dict):
            The real training table the quality is measured against.
        synthetic_data (pandas.DataFrame or dict):
            The synthetic table.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table. Defaults to None (detected from ``real_data``).
        test_data (pandas.DataFrame or dict or None):
            Real test rows of the utility (XGBoost trained on the synthetic rows, tested on
            these) and of the detection score (real rows the synthesizer did not see). Defaults
            to None (no utility or detection scores).
        target (str or None):
            The utility's target column; required with ``test_data``. Defaults to None.
        seed (int):
            Seed of the XGBoost models and of the detection's folds. Defaults to 0 (as
            :func:`sdv_missdiff.evaluation.evaluate_utility`).

    Returns:
        dict:
            The entries of :func:`quality_scores`, then ``xgboost_accuracy``, ``xgboost_f1``,
            ``xgboost_auroc`` and ``detection_auc`` (with ``test_data``; the AUC of
            :func:`sdv_missdiff.evaluation.evaluate_detection` against the test rows, 0.5 at
            best) and ``synthetic_missing_share`` (share of missing cells of the synthetic
            table).

    Raises:
        ValueError:
            If ``test_data`` is given without ``target``.
    """
    synthetic = get_table(synthetic_data, 'synthetic_data')
    scores = quality_scores(real_data, synthetic, metadata)
    if test_data is not None:
        if target is None:
            raise ValueError("'target' is None: name the target column of 'test_data'.")

        utility = evaluate_utility(
            test_data, synthetic, target, metadata, models=['xgboost'], seed=seed
        )
        metrics = utility.scores.set_index('Metric')['Score']
        scores['xgboost_accuracy'] = float(metrics['accuracy'])
        scores['xgboost_f1'] = float(metrics['f1'])
        scores['xgboost_auroc'] = float(metrics['auroc'])
        test = get_table(test_data, 'test_data')
        scores['detection_auc'] = evaluate_detection(test, synthetic, metadata, seed=seed).auc

    scores['synthetic_missing_share'] = float(synthetic.isna().to_numpy().mean())
    return scores


def privacy_scores(real_data, synthetic_data, holdout_data, metadata=None, attacks=False, seed=0):
    """The privacy figures of a synthetic table and of unseen real rows, as plain numbers.

    The numbers of :func:`sdv_missdiff.evaluation.evaluate_privacy`, for benchmarks.

    Args:
        real_data (pandas.DataFrame or dict):
            The rows the synthesizer was trained on.
        synthetic_data (pandas.DataFrame or dict):
            The synthetic rows.
        holdout_data (pandas.DataFrame or dict):
            Real rows the synthesizer never saw.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table. Defaults to None (detected from ``real_data``).
        attacks (bool):
            Also run anonymeter's attacks (needs ``sdv-missdiff[privacy]``). Defaults to
            ``False``.
        seed (int):
            Seed of :func:`evaluate_privacy`. Defaults to 0.

    Returns:
        dict:
            ``exact_copy_share``, ``dcr_share``, ``dcr_overfitting_protection``,
            ``dcr_baseline_protection``, ``nndr_median`` and ``nndr_p05`` (with ``attacks``
            and anonymeter installed also ``singling_out_univariate_risk``,
            ``singling_out_multivariate_risk``, ``linkability_risk`` and ``inference_risk``),
            each followed by the same key with ``'_reference'`` added: the figure of unseen
            real rows. A figure that is not defined for the tables is absent.
    """
    result = evaluate_privacy(
        real_data, synthetic_data, metadata, holdout_data, attacks=attacks, seed=seed
    )
    return dict(result.scores)
