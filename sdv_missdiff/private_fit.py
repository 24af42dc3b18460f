"""The SDV side of a differentially private fit (``MissDiffSynthesizer(..., epsilon=...)``).

SDV's ``fit`` hands the raw table to ``_preprocess``; under DP that hook reads the noisy
statistics (:mod:`sdv_missdiff.private_statistics`), fits SDV's data processor on the public
stand-in table they make, and hands on the real rows clipped and cleared of dropped levels.
``_fit`` then fits the encoder, the holes' indicators and the value ranges on the public table
too, and the model trains on the real rows by DP-SGD alone. What each statistic becomes under DP
is listed in ``docs/privacy.md``.
"""

import dataclasses

import torch

from sdv_missdiff import sdv_private
from sdv_missdiff.diffusion.privacy_budget import PrivacyBudgetError, plan_statistics
from sdv_missdiff.diffusion.private_training import check_private_options
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.private_statistics import count_queries, domain_table, sanitize, summarize


@dataclasses.dataclass
class PrivateFit:
    """What ``_preprocess`` hands to ``_fit`` under DP.

    Attributes:
        plan (PrivacyPlan):
            The budget: the statistics' noise, then DP-SGD's.
        summaries (dict[str, ColumnSummary]):
            The noisy summary of every modelled column.
        processed_public (pandas.DataFrame or None):
            The public stand-in table in SDV's processed space (dropped after ``fit``).
    """

    plan: object
    summaries: dict
    processed_public: object = None


def check_private_synthesizer(synthesizer):
    """Raise ``MissDiffInputError`` for any option a private fit cannot honour."""
    options = synthesizer._options
    if options.privacy.epsilon is None:
        return

    try:
        check_private_options(options, check_inputs=False)
    except ValueError as error:
        raise MissDiffInputError(str(error)) from None

    if options.encoding.missing_data_strategy == 'mean':
        raise MissDiffInputError(
            f"missing_data_strategy='mean' fills holes with each column's mean, read from the "
            f'rows outside the budget of epsilon={options.privacy.epsilon}: use '
            "missing_data_strategy='mask' (the default) or 'drop'."
        )

    if sdv_private.has_constraints(synthesizer):
        raise MissDiffInputError(
            f'Constraints learn from the rows outside the budget of '
            f'epsilon={options.privacy.epsilon} (their combinations, bounds and formats): fit '
            'a private synthesizer without constraints.'
        )


def preprocess(synthesizer, table_data):
    """SDV's ``_preprocess`` under DP: the processed real rows; the rest on ``_private_fit``.

    Args:
        synthesizer (MissDiffSynthesizer):
            The synthesizer, ``epsilon`` set.
        table_data (pandas.DataFrame):
            The real table, as SDV's ``fit`` hands it over.

    Returns:
        pandas.DataFrame:
            The real rows, clipped and cleared of dropped levels, in SDV's processed space.
    """
    check_private_synthesizer(synthesizer)
    privacy = synthesizer._options.privacy
    metadata = sdv_private.table_metadata(synthesizer)
    columns = {
        name: metadata.columns[name]['sdtype'] for name in synthesizer._modeled_columns(table_data)
    }
    try:
        plan = plan_statistics(privacy, count_queries(columns))
        seed = int(torch.randint(0, 2**62, (1,)).item())
        summaries = summarize(table_data, columns, plan, seed, privacy.protect_rare_levels)
    except (PrivacyBudgetError, ValueError) as error:
        raise MissDiffInputError(str(error)) from None

    public = domain_table(table_data, summaries, metadata.columns, seed)
    processor = synthesizer._data_processor
    processor.fit(public)
    synthesizer._private_fit = PrivateFit(plan, summaries, processor.transform(public))
    return processor.transform(sanitize(table_data, summaries))


def privacy_spent(private_fit, model_privacy):
    """The report of a private fit: the plan, the epsilon spent and the dropped levels."""
    report = dict(model_privacy)
    report['dropped_levels'] = {
        name: summary.dropped_levels
        for name, summary in private_fit.summaries.items()
        if summary.dropped_levels
    }
    report['bounds'] = {
        name: (summary.lower, summary.upper)
        for name, summary in private_fit.summaries.items()
        if summary.lower is not None
    }
    return report
