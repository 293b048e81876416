# Each row's time, read from its raw columns as a TimeAxis says (one date column, date parts,
# a date inside an id, a period number). Self-contained (numpy and pandas only): mlwright puts
# this code into every candidate's predict.py, so a standalone model reads time as the run did.
import numpy as np
import pandas as pd

MONTH_NAMES = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
PERIOD_ORIGIN = pd.Timestamp("2000-01-01")


def time_values(frame, axis):
    """Timestamps (NaT where unreadable) for the rows of `frame`; `axis` is a TimeAxis dict."""
    kind, columns = axis["kind"], axis["columns"]
    if kind == "date":
        return as_datetime(frame[columns[0]])
    if kind == "embedded":
        text = frame[columns[0]].astype(str).str.extract(axis["pattern"], expand=False)
        return as_datetime(text)
    if kind == "period":
        # A period number keeps its order and spacing as seconds: no calendar is implied.
        steps = pd.to_numeric(frame[columns[0]], errors="coerce")
        return PERIOD_ORIGIN + pd.to_timedelta(steps, unit="s")
    return _from_parts(frame, dict(zip(axis["parts"], columns, strict=True)))


def as_datetime(values):
    """Dates as naive UTC timestamps (NaT where unreadable): "2013-07-03T03:14:08Z", "+02:00"
    offsets and plain dates compare and subtract alike."""
    with np.errstate(all="ignore"):
        return pd.to_datetime(pd.Series(values), errors="coerce", utc=True).dt.tz_convert(None)


def _number(values):
    """Whole numbers from numbers or month names ("Mar", "March")."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().all() and values.dtype == object:
        numbers = values.astype(str).str.strip().str.lower().map(MONTH_NAMES).astype("float64")
    return numbers


def _from_parts(frame, roles):
    year = _number(frame[roles["year"]])
    days = pd.Series(0.0, index=frame.index)
    if "week" in roles:
        days += (_number(frame[roles["week"]]) - 1) * 7
        month, day = 1, 1
    else:
        month = _number(frame[roles["month"]]) if "month" in roles else None
        if month is None and "quarter" in roles:
            month = (_number(frame[roles["quarter"]]) - 1) * 3 + 1
        month = 1 if month is None else month
        day = _number(frame[roles["day"]]) if "day" in roles else 1
    # Days count from the month's first, so a day past the month's end ("1975-02-31", as
    # recorded data has) still has a time, just after that month, instead of none.
    parts = pd.DataFrame({"year": year, "month": month, "day": 1}, index=frame.index)
    when = pd.to_datetime(parts, errors="coerce")
    day = pd.Series(day, index=frame.index).astype("float64")
    days += day.where(day.between(1, 31)) - 1  # a day 0 or 99 is a code, not a day: no time
    if "hour" in roles:
        days += _number(frame[roles["hour"]]) / 24.0
    return when + pd.to_timedelta(days, unit="D")
