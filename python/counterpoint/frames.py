"""Engine columns -> pandas DataFrames (snapshots; the engine keeps no reference)."""

import numpy as np
import pandas as pd

__all__ = ["frame", "categorical"]


def categorical(codes, categories):
    """Labels as a pandas Categorical over ``categories`` without decoding strings."""
    return pd.Categorical.from_codes(np.asarray(codes), categories=list(categories))


def frame(columns, categories=None, nullable=None):
    """A DataFrame from a dict of 1-D numpy columns without copying them.

    ``categories`` maps a column to its category names (the column holds codes);
    ``nullable`` maps a column to the integer value that means "missing" (pandas Int64).
    """
    cols = {}
    for name, values in columns.items():
        if categories and name in categories:
            cols[name] = categorical(values, categories[name])
        elif nullable and name in nullable:
            values = np.asarray(values)
            cols[name] = pd.arrays.IntegerArray(values, values == nullable[name])
        else:
            cols[name] = values
    return pd.DataFrame(cols, copy=False)
