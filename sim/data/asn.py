"""AS numbers as input files write them: the one grammar every loader accepts.

An ASN is an unsigned 32-bit integer, ``0 ≤ asn < 2**32`` (RFC 6793), written

- **asplain**: ASCII decimal digits, no sign, no leading zero (``0``, ``174``, ``4200000000``);
- **asdot** (RFC 5396): ``high.low`` with both parts asplain in ``0 .. 65535``, converted to
  ``high × 65536 + low`` (``1.10`` is AS65546);

optionally prefixed with ``AS`` (any case: ``AS174``, ``as1.10``). Nothing else: no whitespace inside the
field, no sign (``-0``, ``+174``), no digit separators (``33_56``), no non-ASCII digits (Arabic-Indic,
fullwidth), no exponent. CAIDA's files write asplain only; the rest of the grammar is for hand-made annotation
files.
"""

from __future__ import annotations

import re

MAX_ASN = 2**32 - 1  #: the largest 32-bit AS number
_ASPLAIN = re.compile(r"0|[1-9][0-9]{0,9}", re.ASCII)
_ASDOT = re.compile(r"(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})", re.ASCII)


def parse_asn(text: str) -> int:
    """The AS number written in ``text`` (asplain or asdot, optionally ``AS``-prefixed; see the module).

    Parameters
    ----------
    text : str
        One field, exactly as read (surrounding whitespace is an error, not trimmed: a bit flip turns the
        digit ``0`` into a space).

    Returns
    -------
    int
        In ``[0, 2**32)``.

    Raises
    ------
    ValueError
        ``text`` is not an AS number; the message says why, without the file (callers add it).
    """
    body = text[2:] if text[:2] in ("AS", "as", "As", "aS") else text
    if _ASPLAIN.fullmatch(body):
        asn = int(body)
        if asn > MAX_ASN:
            raise ValueError(f"AS number {text!r} is out of range (at most {MAX_ASN}, a 32-bit ASN)")
        return asn
    dot = _ASDOT.fullmatch(body)
    if dot:
        high, low = int(dot[1]), int(dot[2])
        if high > 0xFFFF or low > 0xFFFF:
            raise ValueError(f"asdot AS number {text!r} has a part over 65535")
        return high << 16 | low
    raise ValueError(f"{text[:40]!r} is not an AS number (decimal digits 0-9 only, or asdot like 1.10)")
