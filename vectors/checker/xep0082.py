"""Independent XEP-0082 parser: regular expressions plus hand-written calendar arithmetic."""
import re

ALGORITHMS = {"XEP-0082"}
_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_TIME = r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
_TZD = r"(Z|[+-]\d{2}:\d{2})"
_FORMS = {
    "DateTime": re.compile(rf"^{_DATE}T{_TIME}{_TZD}$"),
    "Date": re.compile(rf"^{_DATE}$"),
    "Time": re.compile(rf"^{_TIME}{_TZD}?$"),
}


def _leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _days_from_civil(y, m, d):
    """Days since 1970-01-01 in the proleptic Gregorian calendar."""
    days = sum(366 if _leap(x) else 365 for x in range(1970, y)) - sum(366 if _leap(x) else 365 for x in range(y, 1970))
    month_len = [31, 29 if _leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return days + sum(month_len[: m - 1]) + d - 1


def _date(y, m, d):
    month_len = [31, 29 if _leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not (1 <= m <= 12 and 1 <= d <= month_len[m - 1]):
        return None
    return _days_from_civil(y, m, d) * 86400


def _time(h, mi, s, tzd):
    if h > 23 or mi > 59 or s > 59:
        return None
    off = 0
    if tzd and tzd != "Z":
        oh, om = int(tzd[1:3]), int(tzd[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 3600 + om * 60) * (1 if tzd[0] == "+" else -1)
    return h * 3600 + mi * 60 + s - off


def parse(profile, text):
    """Returns (seconds, fraction digits) or None when the string is not valid for the profile."""
    m = _FORMS[profile].match(text)
    if not m:
        return None
    g = m.groups()
    if profile == "Date":
        v = _date(int(g[0]), int(g[1]), int(g[2]))
        return None if v is None else (v, "")
    if profile == "Time":
        t = _time(int(g[0]), int(g[1]), int(g[2]), g[4])
        return None if t is None else (t % 86400, g[3] or "")
    d = _date(int(g[0]), int(g[1]), int(g[2]))
    t = _time(int(g[3]), int(g[4]), int(g[5]), g[7])
    return None if d is None or t is None else (d + t, g[6] or "")


def check(group, t):
    """Valid: seconds and fraction match. Invalid: the string is rejected. Acceptable: either is fine."""
    got = parse(group["profile"], t["input"])
    if t["result"] == "valid":
        if got is None:
            return ["valid string rejected"]
        return [] if got == (t["epochSeconds"], t["fraction"]) else [f"computed {got}"]
    if t["result"] == "invalid":
        return [] if got is None else [f"invalid string accepted as {got}"]
    return []
