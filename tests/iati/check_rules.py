#!/usr/bin/env python3
"""Checks an IATI 2.03 activity file against the IATI rules its XML schema cannot express.

    python3 tests/iati/check_rules.py activities.xml

The schema (validated with xmllint beside this) says which elements and attributes may appear;
these are the rules of the IATI Standard's rulesets and guidance that relate values to each
other. Prints one line per broken rule and exits 1 if there is any; else prints a summary.
Only Python's standard library is used.
"""

import sys
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def day(text):
    return date.fromisoformat(text)


def check(path):
    problems = []
    root = ET.parse(path).getroot()
    if root.tag != "iati-activities" or root.get("version") != "2.03":
        problems.append("the root is not <iati-activities version=\"2.03\">")
    identifiers = set()
    activities = root.findall("iati-activity")
    for activity in activities:
        ident = (activity.findtext("iati-identifier") or "").strip()
        where = ident or "an activity without an identifier"

        def problem(text):
            problems.append(f"{where}: {text}")

        # Identifiers: present, unique in the file, starting with the reporting org's.
        if not ident:
            problem("no iati-identifier")
        if ident in identifiers:
            problem("the iati-identifier appears twice in the file")
        identifiers.add(ident)
        reporting = activity.find("reporting-org")
        ref = reporting.get("ref") if reporting is not None else None
        if not ref or not ident.startswith(ref + "-"):
            problem(f"the iati-identifier does not start with the reporting-org's ref {ref!r} and a hyphen")

        # Dates: each start on or before its end.
        dates = {d.get("type"): day(d.get("iso-date")) for d in activity.findall("activity-date")}
        if "1" not in dates and "2" not in dates:
            problem("no start date (activity-date type 1 or 2)")
        for start, end, what in (("1", "3", "planned"), ("2", "4", "actual")):
            if start in dates and end in dates and dates[start] > dates[end]:
                problem(f"the {what} start {dates[start]} is after the {what} end {dates[end]}")
        today = date.today()
        for kind in ("2", "4"):
            if kind in dates and dates[kind] > today:
                problem(f"the actual date (type {kind}) {dates[kind]} is in the future")
        first = dates.get("2", dates.get("1"))
        last = dates.get("4", dates.get("3"))

        def inside(start, end, what):
            if start > end:
                problem(f"{what} starts {start}, after it ends {end}")
            if first and start < first:
                problem(f"{what} starts {start}, before the activity starts {first}")
            if last and end > last:
                problem(f"{what} ends {end}, after the activity ends {last}")

        # Percentages: sectors of each vocabulary, and recipient countries, add up to 100.
        by_vocabulary = {}
        for sector in activity.findall("sector"):
            vocabulary = sector.get("vocabulary", "1")
            by_vocabulary.setdefault(vocabulary, []).append(sector)
            if vocabulary == "1" and not (len(sector.get("code", "")) == 5 and sector.get("code").isdigit()):
                problem(f"sector code {sector.get('code')!r} is not a DAC 5-digit purpose code")
        for vocabulary, sectors in by_vocabulary.items():
            if len(sectors) > 1 or sectors[0].get("percentage") is not None:
                total = sum(Decimal(s.get("percentage", "0")) for s in sectors)
                if total != 100:
                    problem(f"the sector percentages of vocabulary {vocabulary} add up to {total}, not 100")
        countries = activity.findall("recipient-country")
        if countries and any(c.get("percentage") for c in countries):
            total = sum(Decimal(c.get("percentage", "0")) for c in countries)
            if total != 100:
                problem(f"the recipient-country percentages add up to {total}, not 100")

        for marker in activity.findall("policy-marker"):
            significance = marker.get("significance")
            if significance is not None and significance not in {"0", "1", "2", "3", "4"}:
                problem(f"policy-marker {marker.get('code')} has significance {significance}")
        for org in activity.findall("participating-org"):
            if org.get("role") not in {"1", "2", "3", "4"}:
                problem(f"participating-org role {org.get('role')!r} is not in OrganisationRole")

        # Budgets: inside the activity, no longer than a year, values never negative.
        for budget in activity.findall("budget"):
            start = day(budget.find("period-start").get("iso-date"))
            end = day(budget.find("period-end").get("iso-date"))
            inside(start, end, "a budget")
            if (end - start).days > 366:
                problem(f"a budget runs {start} to {end}, longer than a year")
            if Decimal(budget.find("value").text) < 0:
                problem("a budget value is negative")

        # Results: every period inside the activity, starting before it ends.
        for result in activity.findall("result"):
            for indicator in result.findall("indicator"):
                for period in indicator.findall("period"):
                    start = day(period.find("period-start").get("iso-date"))
                    end = day(period.find("period-end").get("iso-date"))
                    inside(start, end, "a result period")
                    if indicator.get("measure") in {"1", "2"}:
                        for value in period.findall("actual") + period.findall("target"):
                            if value.get("value") is not None:
                                Decimal(value.get("value"))  # a number, for measured indicators
    return activities, problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    activities, problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"ok: {len(activities)} activities follow the rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
