"""Datetimes come back on the step of the training values: whole hours stay whole hours.

RDT's ``UnixTimestampEncoder`` returns whatever nanosecond the model generates, so an hourly
column comes back with minutes and seconds, a format the real rows never have (and a classifier
can tell). RDT's ``OptimizedTimestampEncoder`` learns the step but gives up on a column with
missing values, which MissDiff keeps as NaN.
"""

import numpy as np
from rdt.transformers import UnixTimestampEncoder

NANOSECONDS = {'second': 1e9, 'minute': 60e9, 'hour': 3_600e9, 'day': 86_400e9}


class SteppedTimestampEncoder(UnixTimestampEncoder):
    """``UnixTimestampEncoder`` that rounds generated datetimes to the step of the observed ones.

    The step is the longest of a second, a minute, an hour and a day by which every observed
    value (missing ones aside) is apart from the first, so a daily column at 05:00 keeps its
    05:00; the generated values are rounded to the nearest point of that grid. Values with finer
    parts keep the nanosecond. Arguments as ``UnixTimestampEncoder``'s.
    """

    # Nanoseconds; also what an instance pickled before the attributes existed reads.
    step = 1.0
    offset = 0.0

    def _fit(self, data):
        super()._fit(data)
        timestamps = np.asarray(self._transform_helper(data), dtype=np.float64)
        observed = timestamps[~np.isnan(timestamps)]
        self.step, self.offset = 1.0, 0.0
        if observed.size == 0:
            return

        apart = observed - observed[0]
        for step in NANOSECONDS.values():
            if np.any(np.mod(apart, step) != 0):
                break

            self.step = step

        self.offset = float(np.mod(observed[0], self.step))

    def _reverse_transform_helper(self, data):
        data = super()._reverse_transform_helper(data)
        if self.step > 1:
            data = np.round((data - self.offset) / self.step) * self.step + self.offset

        return data
