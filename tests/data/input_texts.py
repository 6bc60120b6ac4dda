"""Hypothesis strategies: small input files for the loaders, plainly written or with problems injected.

``as_rel_texts`` and ``as_country_texts`` draw a file's text. A plain one is what the loaders
read at once (asplain ASNs, ``-1``/``0``, one record per line, the links after the header lines), repeated pairs,
self-loops, country names and aliases, quoted names and blank cells included. With ``problems=True`` a few lines are
added or replaced by ones the fast path hands to the line reader (asdot or ``AS``-prefixed ASNs, signs, spaces,
blank and comment lines among the links, misplaced header lines, wrong field counts, unknown codes, quotes left
open, ASNs listed twice) and the whole text may get a byte-order mark, CRLF line ends, a NUL or a non-ASCII letter.
"""

from __future__ import annotations

from hypothesis import strategies as st

#: few ASNs, so that pairs repeat, in both orders, and self-loops happen; 0 and 2**32-1 are the grammar's ends
ASNS = ("1", "2", "3", "174", "0", "4294967295")
#: tokens the fast path does not read: valid but not asplain, or errors, each with its own message
ODD_ASNS = ("1.2", "AS12", "as7", "-1", "+1", "0174", " 12", "12 ", "4294967296", "", "x", "\u0661\u0662", "1_0")
ODD_RELS = ("1", "-2", "00", " 0", "-1 ", "p2c", "", "+0")
CODES = ("US", "FR", "DE", "gb", "UK", "KV", "XK", "Maldives", '"Korea, Rep."', " us ")
ODD_CODES = ("ZZ", "EU", "Atlantis", "840", "U S")
NAMES = ("x", "Level 3", '"Level 3, Inc."', '"say ""hi"""', "Universit\u00e4t", "")
ODD_NAMES = ('"open', '"a"b', 'a"b', '"x\n y"', "x" * 140_000)  # the last over the csv module's field limit
ODD_TEXT = ("\r\n", "\ufeff", "\x00", "\u00e9", "\r", "\t")


def _link(a: str, b: str, rel: str, source: str | None) -> str:
    return f"{a}|{b}|{rel}" if source is None else f"{a}|{b}|{rel}|{source}"


@st.composite
def as_rel_texts(draw, problems: bool = False) -> str:
    """A CAIDA AS-relationship file: header lines and comments, then links; serial-1 or serial-2."""
    source = draw(st.sampled_from([None, "bgp", "mlp", ""]))
    asn = st.sampled_from(ASNS)
    lines = [f"# {name}: " + " ".join(draw(st.lists(asn, max_size=3))) for name in ("input clique", "IXP ASes")]
    lines = [line for line in lines if draw(st.booleans())] + draw(
        st.lists(st.sampled_from(["# source", ""]), max_size=2)
    )
    n_links = draw(st.integers(1, 12))
    lines += [_link(draw(asn), draw(asn), draw(st.sampled_from(["-1", "0"])), source) for _ in range(n_links)]
    end = "\n"
    if problems:
        odd_asn, odd_rel = st.sampled_from(ODD_ASNS), st.sampled_from(ODD_RELS)
        odd_line = st.one_of(
            st.builds(_link, odd_asn, asn, st.just("0"), st.just(source)),
            st.builds(_link, asn, odd_asn, st.just("-1"), st.just(source)),
            st.builds(_link, asn, asn, odd_rel, st.just(source)),
            st.sampled_from(["1|2", "1|2|0|bgp|x", "", "   ", "# a note", "  # indented", "# input clique: 1"]),
            st.sampled_from(["# IXP ASes: 2", "1|2|0  ", " 1|2|0", "1|2|0|s\u00e9", "1\t|2|0"]),
        )
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(lines)))
            lines[at : at + draw(st.integers(0, 1))] = [draw(odd_line)]
        end = draw(st.sampled_from(["\n", "", "\n\n", "\n \n"]))
    return _garble(draw, "\n".join(lines) + end, problems)


def _csv_text(draw, header: list[str], cells: dict, problems: bool) -> str:
    """A CSV file with ``header`` (in a drawn order) and rows whose fields are drawn from ``cells[column]``."""
    columns = draw(st.permutations(header))
    n_rows = draw(st.integers(0, 10 if problems else len(ASNS)))  # plain: each ASN once
    asns = draw(st.lists(st.sampled_from(ASNS), min_size=n_rows, max_size=n_rows, unique=not problems))
    rows = [[asn if c == "asn" else draw(cells[c]) for c in columns] for asn in asns]
    lines = [",".join(columns)] + [",".join(row) for row in rows]
    if problems:
        odd = st.one_of(
            st.sampled_from(ODD_ASNS).map(lambda asn: ",".join(asn if c == "asn" else "" for c in columns)),
            st.sampled_from(["", "   ", "1", ",".join(["7"] * (len(columns) + 1)), ",".join(["7"] * len(columns))]),
            st.just(lines[-1]),  # the last row, or the header, again
            st.sampled_from(ODD_NAMES + ODD_CODES).map(
                lambda odd: ",".join(odd if c != "asn" else "9" for c in columns)
            ),
        )
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(lines)))
            lines[at : at + draw(st.integers(0, 1))] = [draw(odd)]
    return _garble(draw, "\n".join(lines) + draw(st.sampled_from(["\n", ""] + ["\n\n"] * problems)), problems)


def _garble(draw, text: str, problems: bool) -> str:
    """With problems, maybe a byte-order mark, other line ends or an odd character somewhere."""
    if problems and draw(st.booleans()):
        odd = draw(st.sampled_from(ODD_TEXT))
        if odd in ("\r\n", "\r"):
            return text.replace("\n", odd)
        at = 0 if odd == "\ufeff" and draw(st.booleans()) else draw(st.integers(0, len(text)))
        return text[:at] + odd + text[at:]
    return text


@st.composite
def as_country_texts(draw, problems: bool = False) -> str:
    """An AS→country CSV: ``asn``, ``country`` and maybe ``prefixes`` and ``name`` columns."""
    header = ["asn", "country"] + [c for c in ("prefixes", "name") if draw(st.booleans())]
    country = st.sampled_from(CODES + ("",) + (ODD_CODES if problems else ()))
    prefixes = st.sampled_from(
        ("0", "16", "16777216", "") + (("-1", "012", " 3", "16777217", "3 ") if problems else ())
    )
    cells = {"country": country, "prefixes": prefixes, "name": st.sampled_from(NAMES)}
    return _csv_text(draw, header, cells, problems)
