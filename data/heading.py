"""Resolution metadata from the heading of a document: symbol, title, session, date, committee,
agenda item.

The heading is everything before "The General Assembly,"; page furniture (running headers,
ODS markers) is searched too, since an ODS export keeps the agenda item there.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

SYMBOL = re.compile(r"\bA/RES/(\d{1,3})/(\d{1,4})(?: ?([A-Z])\b)?")
TITLE = re.compile(r"^\s*(\d{1,3})/(\d{1,4})(?: ([A-Z]))?\.\s+(\S.*)$", re.S)
_ADOPTED = re.compile(
    r"Resolution adopted by the General Assembly\s+on\s+(\d{1,2})\s+([A-Z][a-z]+)\s+(\d{4})"
)
_COMMITTEE = re.compile(r"\[on the report of the (\w+) Committee|\[without reference to a Main Committee")
_AGENDA = re.compile(r"\bAgenda items?\s+(\d{1,3}(?:\s*\([a-z]\))?(?:(?:,\s*|\s+and\s+)\d{1,3}(?:\s*\([a-z]\))?)*)")
_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        "January February March April May June July August September October November December".split()
    )
}


@dataclass(frozen=True)
class Heading:
    symbol: str | None = None
    title: str = ""
    session: int | None = None
    date: str | None = None
    committee: str | None = None
    agenda_item: str | None = None


def parse_heading(heading: str, furniture: str = "", title_block: str = "") -> Heading:
    """Read the metadata from the heading text (lines joined with spaces)."""
    both = heading + "\n" + furniture
    symbol = None
    session = None
    title = ""
    t = TITLE.match(title_block) if title_block else None
    if t:
        symbol = f"A/RES/{t.group(1)}/{t.group(2)}" + (f" {t.group(3)}" if t.group(3) else "")
        title = re.sub(r"\s+", " ", t.group(4)).strip()
    m = SYMBOL.search(both)
    if symbol is None and m:
        symbol = m.group(0)
    if symbol:
        session = int(symbol.split("/")[2])
    date = None
    a = _ADOPTED.search(heading)
    if a and a.group(2) in _MONTHS:
        try:
            date = dt.date(int(a.group(3)), _MONTHS[a.group(2)], int(a.group(1))).isoformat()
        except ValueError:
            date = None
    committee = None
    c = _COMMITTEE.search(heading)
    if c:
        committee = c.group(1) if c.group(1) else "plenary"
    agenda = _AGENDA.search(both)
    return Heading(
        symbol=symbol,
        title=title,
        session=session,
        date=date,
        committee=committee,
        agenda_item=re.sub(r"\s+", " ", agenda.group(1)) if agenda else None,
    )
