"""The same seeds give the same rows as before the options restructuring; its pickles load.

``tests/data/make_reference.py`` wrote the reference rows and pickles at commit 2f0b758. One
change since is deliberate: a fresh fit rounds generated datetimes to the step of the training
values (``sdv_missdiff.timestamps``), where the day format of the ``when`` column used to cut
them to the day, so a fresh fit's ``when`` may be the next day (never further). The pickles of
before keep their old datetime encoder and give the old rows exactly.
"""

import pathlib

import pandas as pd
import pytest
import torch
from sdv.utils import load_synthesizer

from tests.data import make_reference

DATA = pathlib.Path(make_reference.__file__).parent


def _reference(name, call):
    return pd.read_csv(DATA / f'reference_{name}_{call}.csv')


def _assert_same_rows(rows, expected, rounded_dates=False):
    # Through a CSV, as the reference was written: floats keep every digit there.
    written = pd.read_csv(pd.io.common.StringIO(rows.to_csv(index=False)))
    if rounded_dates:
        shift = pd.to_datetime(written['when']) - pd.to_datetime(expected['when'])
        known = shift.notna()
        assert shift[known].isin([pd.Timedelta(0), pd.Timedelta(days=1)]).all()
        assert (written['when'].isna() == expected['when'].isna()).all()
        written, expected = written.drop(columns='when'), expected.drop(columns='when')

    pd.testing.assert_frame_equal(written, expected, check_exact=False, rtol=1e-6, atol=1e-9)


@pytest.fixture(scope='module')
def mcar():
    torch.set_num_threads(1)
    return make_reference.fit_mcar()


@pytest.fixture(scope='module')
def learned():
    torch.set_num_threads(1)
    return make_reference.fit_learned()


@pytest.mark.parametrize('call', ['sample', 'remaining', 'impute', 'best_guess'])
def test_same_seed_gives_the_rows_of_before(mcar, call):
    rows = make_reference.mcar_rows(mcar)[call]
    _assert_same_rows(rows, _reference('mcar', call), rounded_dates=True)


def test_learned_holes_give_the_rows_of_before(learned):
    rows = make_reference.learned_rows(learned)['sample']
    _assert_same_rows(rows, _reference('learned', 'sample'))


@pytest.mark.parametrize('name', ['mcar', 'learned'])
def test_pickles_of_before_load_and_sample_the_same_rows(name):
    # Setup
    synthesizer = load_synthesizer(str(DATA / f'reference_{name}.pkl'))
    rows_of = make_reference.mcar_rows if name == 'mcar' else make_reference.learned_rows

    # Run
    rows = rows_of(synthesizer)

    # Assert: the pickles of before model every number as a number, as they were fitted
    for call, sampled in rows.items():
        _assert_same_rows(sampled, _reference(name, call))

    assert synthesizer.options.encoding.max_whole_number_levels == 0
