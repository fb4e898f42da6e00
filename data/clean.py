"""Text cleaning for paragraphs: characters, wrapped lines and footnote markers.

Three jobs, each careful not to touch real content:

* :func:`normalize_chars` maps typographic variants (non-breaking spaces and hyphens, soft
  hyphens, zero-width characters) to plain ones; quotes and dashes are kept as printed.
* :func:`join_lines` joins hard-wrapped lines. A line that ends with a hyphen keeps it
  ("high-" + "level" -> "high-level"); the hyphen is dropped only when the document itself
  spells the joined word without one elsewhere ("Organiza-" + "tion" -> "Organization").
* :class:`FootnoteMarkers` removes footnote markers ("Declaration,1 the" -> "Declaration, the",
  "Organization;21" -> "Organization;", "Change 3 that" -> "Change that"). Footnotes of a UN
  document are numbered 1, 2, 3 ... in reading order, so a number only counts as a marker when
  it is the next one expected (a missed marker may be skipped) and its neighbours look like a
  marker's. Numbers that are content ("resolution 65/175", "Goal 9", "the 2030 Agenda",
  "para. 7", years, "(a)") never match: they are not the next footnote, or the words around
  them rule them out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters that PDF extraction and word processors use for plain spaces and hyphens.
_CHAR_MAP = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\u2007": " ",  # figure space
        "\u200a": " ",  # hair space
        "\t": " ",
        "\u2011": "-",  # non-breaking hyphen
        "\u2010": "-",  # hyphen
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\ufeff": None,  # byte-order mark
        "\u200e": None,
        "\u200f": None,
    }
)

_SPACES = re.compile(r"[ \f\v\r]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,;:.)\]](?:\s|$))")
_WORD = re.compile(r"[A-Za-z]+")


def normalize_chars(text: str) -> str:
    """Map no-break spaces/hyphens to plain ones and drop invisible characters."""
    return text.translate(_CHAR_MAP)


def squeeze(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends."""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def vocabulary(text: str) -> frozenset[str]:
    """Lower-cased words of a document, used to decide whether a line-end hyphen is a break."""
    return frozenset(w.lower() for w in _WORD.findall(text))


def join_lines(lines: Iterable[str], vocab: frozenset[str] = frozenset()) -> str:
    """Join hard-wrapped lines into one line.

    A line ending in a hyphen or dash is joined without a space and the hyphen is kept, unless
    ``vocab`` (the document's own words) holds the joined word and not its two halves, which is
    the mark of a hyphen inserted only to break the line.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out[-1] in "-\u2013" and len(out) > 1 and out[-2].isalnum():
            if out[-1] == "-" and _is_line_break_hyphen(out, line, vocab):
                out = out[:-1] + line
            else:
                out = out + line
        elif out[-1] == "/" or line[0] in "/":
            out = out + line  # "A/RES/" + "79/1" wrapped inside a symbol
        else:
            out = out + " " + line
    return out


def _is_line_break_hyphen(left: str, right: str, vocab: frozenset[str]) -> bool:
    head = re.search(r"([A-Za-z]+)-$", left)
    tail = re.match(r"([a-z]+)", right)
    if not head or not tail or not vocab:
        return False
    joined = (head.group(1) + tail.group(1)).lower()
    return joined in vocab and not (head.group(1).lower() in vocab and tail.group(1) in vocab)


def tidy(text: str) -> str:
    """Final whitespace pass: one space between words, none before closing punctuation."""
    text = squeeze(text)
    return _SPACE_BEFORE_PUNCT.sub("", text)


# --- footnote markers ---------------------------------------------------------------------

#: A number glued to the end of a word or closing punctuation: "Development2", "Declaration,1",
#: "Organization;21", "2023,1", "“Agenda”,3", "(Habitat III),4".
_GLUED = re.compile(r"(?<=[A-Za-z,;:.)\]”’\"'])(\d{1,3})(?=[\s,;:)”’]|\.(?!\d)|$)")
#: A number standing alone between spaces: "Change 3 that", "in 2016 5 and", "2019, 12 entitled".
_SPACED = re.compile(r"(?<=\S) {1,4}(\d{1,3})(?=[ ,;:]|\.(?!\d)|$)")
#: A marker glued to a year: "20 June 20255" (2025 + footnote 5).
_AFTER_YEAR = re.compile(r"(?<=\b(?:19|20)\d\d)(\d{1,2})(?=[\s,;:.)]|$)")
#: An explicit markdown reference: "[^12]".
_EXPLICIT = re.compile(r"\[\^(\d{1,4})\]")

#: Words after which a number is content, not a footnote marker.
_NUMBER_TAKERS = frozenset(
    """
    resolution resolutions decision decisions paragraph paragraphs para paras para. paras.
    goal goals target targets no no. nos nos. article articles art art. chapter chap chap.
    chapters annex annexes rule rules principle principles page pages p. pp. vol vol. volume
    item items section sections part parts recommendation recommendations protocol
    appendix table figure step phase level levels indicator indicators sdg option
    session sessions meeting meetings category categories class grade stage and or to the
    of than over under at about some least nearly almost approximately by from between
    with within for on in that all first last these those its their his her every each
    per cent percent plus minus via covid-19 amendment amendments schedule tier
    """.split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
#: Words after a number that make it a quantity ("5 per cent", "3 years").
_QUANTITY_NEXT = re.compile(
    r"\s*(?:per\s*cent|percent|%|years?|months?|days?|weeks?|hours?|million|billion|trillion|"
    r"times|countries|States|members|Member|percentage|degrees?|°|and\s+\d|to\s+\d|or\s+\d|"
    r"-\s*\d|–\s*\d|/)"
)
#: Lower-case words that may follow a spaced marker ("Change 3 that have", "2016 5 and the");
#: any other lower-case word makes the number a count ("to include 1 item").
_AFTER_SPACED_MARKER = frozenset(
    """
    and or nor but the a an that which who whose whom where when while as to in on of for at by
    with from into through towards regarding concerning including inter is are was were has have
    had be been it its their there also together can could may might should shall will would
    entitled notes welcomes reaffirms recalls recognizes takes calls urges requests encourages
    invites decides stresses emphasizes underlines expresses presents seeks acknowledges
    whereby wherein thereby therein namely notably respectively both either not so thus among
    against within without under over after before since until during upon via than held
    thereof further
    """.split()
)
_SHORT_ACRONYM = re.compile(r"(?:^|[\s(])[A-Z]{1,4}$")  # CO2, G20, PM2.5, H2


class FootnoteMarkers:
    """Remove footnote markers from paragraphs fed in reading order.

    ``known`` is the set of footnote numbers the document lists (from its footnote blocks),
    when known. Markers are accepted in increasing order only: the next expected number, or a
    little further when the document skipped or hid a marker.
    """

    GLUED_SKIP = 3
    SPACED_SKIP = 1

    def __init__(self, known: Iterable[int] | None = None) -> None:
        self.known = frozenset(known) if known is not None else None
        self.last = 0

    def _acceptable(self, number: int, skip: int) -> bool:
        if not self.last < number <= self.last + 1 + skip:
            return False
        return self.known is None or not self.known or number in self.known

    def clean(self, text: str) -> str:
        """Return ``text`` without footnote markers; advances the expected marker number."""
        cuts: list[tuple[int, int]] = []
        for kind, match in self._candidates(text):
            number = int(match.group(1))
            if kind == "explicit":
                self.last = max(self.last, number)
                cuts.append(match.span())
                continue
            skip = self.GLUED_SKIP if kind == "glued" else self.SPACED_SKIP
            if not self._acceptable(number, skip):
                continue
            if not self._context_ok(text, match, kind):
                continue
            self.last = number
            cuts.append(match.span() if kind == "spaced" else match.span(1))
        if not cuts:
            return text
        pieces = []
        pos = 0
        for start, end in cuts:
            pieces.append(text[pos:start])
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)

    @staticmethod
    def _candidates(text: str) -> list[tuple[str, re.Match[str]]]:
        found = [("explicit", m) for m in _EXPLICIT.finditer(text)]
        found += [("glued", m) for m in _GLUED.finditer(text)]
        found += [("spaced", m) for m in _SPACED.finditer(text)]
        found += [("year", m) for m in _AFTER_YEAR.finditer(text)]
        found.sort(key=lambda item: item[1].start(1))
        return found

    @staticmethod
    def _context_ok(text: str, match: re.Match[str], kind: str) -> bool:
        start, end = match.start(1), match.end(1)
        after = text[end : end + 24]
        if _QUANTITY_NEXT.match(after):
            return False
        next_word = after.strip().split(" ", 1)[0].strip(",;:.") if after.strip() else ""
        if next_word.lower() in _MONTHS:
            return False
        before = text[max(0, start - 40) : start]
        if kind == "year":
            return True
        if kind == "glued":
            prev = before[-1]
            if prev == "." and len(before) >= 2 and not (before[-2].isalpha() or before[-2] in ")”’\""):
                return False
            if prev == "." and re.search(r"(?:^|[\s/])(?:No|Nos|para|paras|vol|art|chap|p|pp|Res|Dec|Rev|Add|Corr)\.$", before):
                return False
            if prev.isalpha() and _SHORT_ACRONYM.search(before):
                return False
            return True
        # spaced: judge by the words around the number
        if next_word and next_word[0].islower() and not (
            next_word in _AFTER_SPACED_MARKER or next_word.endswith(("ing", "ed", "ly"))
        ):
            return False
        words = before.rstrip().rsplit(" ", 1)
        prev_word = words[-1] if words else ""
        bare = prev_word.strip("“”‘’\"'(").lower()
        if not prev_word.endswith((",", ";", ":")) and (
            bare in _NUMBER_TAKERS or bare.rstrip(".") in _NUMBER_TAKERS
        ):
            return False
        if prev_word and prev_word[-1].isdigit() and not re.fullmatch(r"(?:1[89]|20)\d\d[,;:)]?", prev_word):
            return False  # "2 3" in a list of numbers; but a year may carry a marker: "2016 5"
        if prev_word.endswith(("(", "[", "-", "–", "/")):
            return False
        return True
