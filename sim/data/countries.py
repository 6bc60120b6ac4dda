"""Country codes and names: ISO 3166-1 alpha-2 from codes or free-text names (as publishers write them), and
short English names from codes (for figures and the dashboard)."""

from __future__ import annotations

from functools import cache, lru_cache

import pycountry

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


@lru_cache(maxsize=4096)
def to_alpha2(value: str) -> str | None:
    """ISO alpha-2 code for a code or a country name, or ``None`` when it cannot be resolved.

    Two-letter values are taken as codes (upper-cased; ``XK`` for Kosovo and other user-assigned codes pass).
    Names are looked up in pycountry (official, common and alpha-3 forms), then in a small alias table.
    """
    text = " ".join(value.strip().split())
    if len(text) == 2 and text.isalpha():
        return text.upper()
    if not text:
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
