"""Generates xep-0082.json (XMPP Date and Time Profiles) using datetime; the checker does its own arithmetic."""
import datetime as dt

from common import FileBuilder

NOTES = {
    "Xep0082Example": "Example string from XEP-0082 1.1.1 sections 3.1-3.3.",
    "Derived": "Written for gatecheck; epoch values computed with Python's datetime.",
    "Fraction": "Has fractional seconds; `fraction` holds the digits exactly as written (no rounding).",
    "Offset": "Non-Z time zone offset; epochSeconds is the UTC instant.",
    "TimeNoTzd": "Time without TZD; XEP-0082 makes TZD optional for Time and gatecheck reads it as UTC.",
    "TimeSeconds": "For the Time profile epochSeconds is seconds after 00:00:00 UTC, modulo 86400.",
    "MissingTzd": "DateTime without the mandatory TZD. Invalid by XEP-0082 section 3.2: the DateTime profile is CCYY-MM-DDThh:mm:ss[.sss]TZD and the TZD is mandatory; only the fraction is optional.",
    "LowercaseDesignator": "Lowercase 't' or 'z'. Invalid by XEP-0082 section 2.1 (T is the separator, TZD is \"Z\" or (+|-)hh:mm) and section 3.2 (UTC is denoted by the character 'Z'; the profile is xs:dateTime, XML Schema 1.1 Part 2 section 3.3.7, whose lexical space has uppercase only); ISO 8601's lowercase-by-agreement does not apply.",
    "OutOfRange": "A field is out of range (month 13, 29 February in a non-leap year, hour 25, minute 60, second 60, offset hour 24). Invalid by XEP-0082 section 2.1 (hh 00-23, mm 00-59, ss 00-59) and sections 3.1-3.3, which make the profiles xs:date / xs:dateTime / xs:time and let XML Schema overrule any difference (month 01-12, a day of that month, time-zone offset at most 14:00).",
    "BadSyntax": "Not the profile's lexical form (space separator, two-digit year, offset without colon, empty fraction, missing seconds, TZD on a Date, space before TZD). Invalid by XEP-0082 sections 3.1-3.3: Date is CCYY-MM-DD, DateTime CCYY-MM-DDThh:mm:ss[.sss]TZD, Time hh:mm:ss[.sss][TZD], with TZD = Z or (+|-)hh:mm (section 2.1) and .sss one or more digits.",
    "EndOfDay24": "Hour 24 with zero minutes and seconds (24:00:00). A choice where the texts disagree: XEP-0082 section 2.1 gives hh as 00 through 23, but section 3.2 makes DateTime equivalent to xs:dateTime and lets XML Schema overrule any difference, and xs:dateTime admits 24:00:00 as the end of the day (the next day's 00:00:00). A consumer may reject it (gatecheck does) or read it as 1969-07-22T00:00:00Z.",
    "LeapSecond": "Second 60 (a leap second). ISO 8601 allows it, but XEP-0082 section 2.1 gives ss as 00 through 59 and xs:dateTime (which overrules, section 3.2) has no second 60, so it is invalid like any other out-of-range field.",
}


def epoch(s):
    return int(dt.datetime.fromisoformat(s).timestamp())


def main():
    fb = FileBuilder("XEP-0082", ["XEP-0082 1.1.1 sections 2.1, 3.1-3.3", "ISO 8601 / XML Schema Part 2 (xs:dateTime)",
                                  "gatecheck generator vectors/gen/xep0082.py"], NOTES)
    g = fb.group(type="Xep0082", profile="DateTime")
    valid = [
        ("1969-07-21T02:56:15Z", "1969-07-21T02:56:15+00:00", "", ["Xep0082Example"]),
        ("1969-07-20T21:56:15-05:00", "1969-07-20T21:56:15-05:00", "", ["Xep0082Example", "Offset"]),
        ("2024-02-29T23:59:59.123Z", "2024-02-29T23:59:59+00:00", "123", ["Derived", "Fraction"]),
        ("2000-01-01T00:30:00+01:00", "2000-01-01T00:30:00+01:00", "", ["Derived", "Offset"]),
        ("2038-01-19T03:14:08.000000001Z", "2038-01-19T03:14:08+00:00", "000000001", ["Derived", "Fraction"]),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00", "", ["Derived"]),
    ]
    for s, iso, frac, flags in valid:
        fb.add(g, s, "valid", flags, input=s, epochSeconds=epoch(iso), fraction=frac)
    invalid = [
        ("1969-07-21T02:56:15", ["MissingTzd"]), ("1969-07-21t02:56:15Z", ["LowercaseDesignator"]),
        ("1969-07-21T02:56:15z", ["LowercaseDesignator"]), ("1969-13-21T02:56:15Z", ["OutOfRange"]),
        ("2023-02-29T02:56:15Z", ["OutOfRange"]), ("2016-12-31T23:59:60Z", ["OutOfRange", "LeapSecond"]),
        ("1969-07-21T02:60:15Z", ["OutOfRange"]), ("1969-07-21T02:56:15+24:00", ["OutOfRange"]),
        ("1969-07-21 02:56:15Z", ["BadSyntax"]), ("69-07-21T02:56:15Z", ["BadSyntax"]),
        ("1969-07-21T02:56:15+0500", ["BadSyntax"]), ("1969-07-21T02:56:15.Z", ["BadSyntax"]),
        ("1969-07-21T02:56Z", ["BadSyntax"]), ("", ["BadSyntax"]),
    ]
    for s, flags in invalid:
        fb.add(g, repr(s), "invalid", flags, input=s)
    fb.add(g, "hour 24 (end of day)", "acceptable", ["EndOfDay24"], input="1969-07-21T24:00:00Z")
    g = fb.group(type="Xep0082", profile="Date")
    fb.add(g, "1776-07-04", "valid", ["Xep0082Example"], input="1776-07-04",
           epochSeconds=epoch("1776-07-04T00:00:00+00:00"), fraction="")
    fb.add(g, "2000-02-29", "valid", ["Derived"], input="2000-02-29", epochSeconds=epoch("2000-02-29T00:00:00+00:00"),
           fraction="")
    for s, flags in [("1900-02-29", ["OutOfRange"]), ("1776-7-4", ["BadSyntax"]), ("1776-07-04Z", ["BadSyntax"])]:
        fb.add(g, s, "invalid", flags, input=s)
    g = fb.group(type="Xep0082", profile="Time")
    for s, secs, frac, flags in [("16:00:00", 57600, "", ["Xep0082Example", "TimeNoTzd", "TimeSeconds"]),
                                 ("16:00:00Z", 57600, "", ["TimeSeconds"]),
                                 ("01:30:00.5+02:00", 84600, "5", ["Offset", "Fraction", "TimeSeconds"])]:
        fb.add(g, s, "valid", flags + (["Derived"] if "Xep0082Example" not in flags else []), input=s,
               epochSeconds=secs, fraction=frac)
    for s, flags in [("25:00:00Z", ["OutOfRange"]), ("16:00", ["BadSyntax"]), ("16:00:00 Z", ["BadSyntax"])]:
        fb.add(g, s, "invalid", flags, input=s)
    fb.write("xep-0082.json")


if __name__ == "__main__":
    main()
