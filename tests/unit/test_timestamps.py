import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.timestamps import NANOSECONDS, SteppedTimestampEncoder


def _fitted(values):
    encoder = SteppedTimestampEncoder(missing_value_replacement=None, missing_value_generation=None)
    encoder.fit(pd.DataFrame({'when': values}), 'when')
    return encoder


@pytest.mark.parametrize(
    'frequency, step',
    [('D', 'day'), ('h', 'hour'), ('min', 'minute'), ('s', 'second')],
)
def test_the_step_is_the_longest_unit_every_observed_value_is_a_multiple_of(frequency, step):
    values = pd.Series(pd.date_range('2013-01-01 05:00', periods=50, freq=frequency)).sample(
        frac=1.0, random_state=0
    )
    values.iloc[[3, 7]] = pd.NaT  # holes do not decide the step

    assert _fitted(values).step == NANOSECONDS[step]


def test_sub_second_values_keep_the_nanosecond():
    values = pd.Series(pd.date_range('2013-01-01', periods=20, freq='250ms'))

    assert _fitted(values).step == 1.0


def test_generated_hours_come_back_whole_and_holes_stay_holes():
    encoder = _fitted(pd.Series(pd.date_range('2013-01-01', periods=200, freq='h')))
    hours = pd.Series(pd.date_range('2013-01-02', periods=6, freq='h'))
    encoded = encoder.transform(pd.DataFrame({'when': hours}))
    noise = np.array([-1_700, 1_700, 600, -600, 0, 0]) * 1e9  # up to 28 minutes off
    encoded['when'] = encoded['when'] + noise
    encoded.loc[5, 'when'] = np.nan

    decoded = encoder.reverse_transform(encoded)['when']

    assert decoded.iloc[:5].tolist() == hours.iloc[:5].tolist()
    assert pd.isna(decoded.iloc[5])


def test_formatted_strings_come_back_on_the_step():
    values = pd.Series(
        pd.date_range('2013-01-01', periods=48, freq='h').strftime('%Y-%m-%dT%H:%M:%SZ')
    )
    encoder = _fitted(values)
    encoded = encoder.transform(pd.DataFrame({'when': values.iloc[:3]}))
    encoded['when'] = encoded['when'] + 1_234e9  # 20 minutes 34 seconds late

    decoded = encoder.reverse_transform(encoded)['when']

    # RDT writes the 'Z' of the data as '+0000' (as before this encoder): compare the moments.
    assert pd.to_datetime(decoded).tolist() == pd.to_datetime(values.iloc[:3]).tolist()


def test_a_daily_column_at_five_keeps_its_hour():
    values = pd.Series(pd.date_range('2013-01-01 05:00', periods=30, freq='D'))
    encoder = _fitted(values)
    encoded = encoder.transform(pd.DataFrame({'when': values.iloc[:2]}))
    encoded['when'] = encoded['when'] + np.array([-30_000e9, 30_000e9])  # 8 hours 20 minutes

    decoded = encoder.reverse_transform(encoded)['when']

    assert encoder.step == NANOSECONDS['day']
    assert decoded.tolist() == values.iloc[:2].tolist()
