"""Country codes and names: ISO 3166-1 alpha-2 from codes or free-text names (as publishers write them), and
short English names from codes (for figures and the dashboard).

A two-letter value is a code, and only these are countries: the ISO 3166-1 alpha-2 codes (pycountry's table),
``XK`` for Kosovo (user-assigned, used by the European Commission, the IMF and the World Bank), and the aliases
of :data:`CODE_ALIASES`, which are converted and reported. Anything else of two letters (``ZZ``, ``EU``, a
bit-flipped ``UQ``) is not a country.
"""

from __future__ import annotations

from functools import cache, lru_cache

import pycountry

#: codes that are not ISO 3166-1 alpha-2 but name a country: the value is the code used instead
CODE_ALIASES = {
    "UK": "GB",  # ISO's "exceptionally reserved" code for the United Kingdom; the state-owned file writes it
    "KV": "XK",  # FIPS 10-4 (and GeoNames) for Kosovo; the state-owned file writes it
}
#: user-assigned codes accepted as countries
EXTRA_CODES = frozenset({"XK"})
ISO_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries) | EXTRA_CODES

# Names pycountry does not know, seen in the data sets fragsim reads.
_ALIASES = {
    "diego garcia": "IO",
    "kosovo": "XK",
    "congo, dem. rep.": "CD",
    "congo, rep.": "CG",
    "korea, rep.": "KR",
    "korea, dem. rep.": "KP",
    "macau": "MO",
    "turkey": "TR",
    "russia": "RU",
    "vietnam": "VN",
    "laos": "LA",
    "micronesia": "FM",
    "cape verde": "CV",
    "swaziland": "SZ",
    "ivory coast": "CI",
    "saint martin": "MF",
    "sint maarten": "SX",
    "virgin islands (u.k.)": "VG",
    "virgin islands (u.s.)": "VI",
}


def code_alias(value: str) -> str | None:
    """The code an alias of :data:`CODE_ALIASES` stands for (``UK`` → ``GB``), or None when ``value`` is none."""
    return CODE_ALIASES.get(value.strip().upper())


@lru_cache(maxsize=4096)
def to_alpha2(value: str) -> str | None:
    """ISO alpha-2 code for a code or a country name, or ``None`` when it cannot be resolved.

    Two-letter values are codes (any case): an ISO 3166-1 alpha-2 code or ``XK`` passes (upper-cased), an alias of
    :data:`CODE_ALIASES` is converted (``UK`` → ``GB``; :func:`code_alias` tells the caller it was one), any other
    pair of letters is None. Longer values are names, looked up in pycountry (official, common and alpha-3 forms),
    then in a small alias table; a value holding a digit is never a name (pycountry would take ``840`` for US).
    """
    text = " ".join(value.strip().split())
    if len(text) == 2:
        code = text.upper()
        return code if code in ISO_CODES else CODE_ALIASES.get(code)
    if not text or not text.isprintable() or any(ch.isdigit() for ch in text):
        return None
    alias = _ALIASES.get(text.lower())
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        pass
    if "," in text:  # World Bank style "Gambia, The", "Iran, Islamic Rep."
        head, tail = (s.strip() for s in text.split(",", 1))
        for guess in (f"{tail} {head}", head):
            try:
                return pycountry.countries.lookup(guess).alpha_2
            except LookupError:
                continue
    return None


#: short names where ISO's are long ("Iran, Islamic Republic of")
SHORT_NAMES = {
    "IR": "Iran",
    "RU": "Russia",
    "KR": "South Korea",
    "KP": "North Korea",
    "TW": "Taiwan",
    "VE": "Venezuela",
    "SY": "Syria",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "MD": "Moldova",
    "VN": "Vietnam",
    "LA": "Laos",
    "CD": "DR Congo",
    "GB": "United Kingdom",
    "US": "United States",
    "CZ": "Czechia",
    "MK": "North Macedonia",
    "PS": "Palestine",
    "HK": "Hong Kong",
    "MO": "Macao",
}


@cache
def country_name(code: str) -> str:
    """A country's short English name from its ISO alpha-2 code ("??" for unknown jurisdiction)."""
    if code in SHORT_NAMES:
        return SHORT_NAMES[code]
    entry = pycountry.countries.get(alpha_2=code)
    if entry is None:
        return "unknown country" if code == "??" else code
    return getattr(entry, "common_name", None) or entry.name.split(",")[0]
