"""Country outlines and facts: the world's countries as polygons, with population and GDP, from a Natural Earth
1:110m file (GeoJSON, gzip-compressed or plain).

The file is looked up like every other data set (:mod:`sim.data.paths`): ``<data folder>/geo/countries_110m.geojson.gz``
when the data folder holds it, else the copy shipped inside the package (Natural Earth is in the public domain), so
maps and population weights work on a fresh install. A file can also be named explicitly.

Each outline is matched to a country code by its ``iso_a2`` property (read through
:func:`sim.data.countries.to_alpha2`, so Kosovo's ``XK`` and the aliases ``UK``/``KV`` are codes), else by
``iso_a2_eh`` (Natural Earth's "even if" code, present in its full files), else by ``iso_a3``. Outlines no code
matches (Northern Cyprus and Somaliland in the shipped file) are kept for drawing and reported by name; countries of
a topology without an outline (small states the 1:110m scale leaves out: Singapore, Hong Kong, Malta...) have no
facts (NaN) and are reported by code.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from sim.data.countries import to_alpha2
from sim.data.paths import data_dir

FILE_NAME = "countries_110m.geojson.gz"  #: the outlines' file name, in ``geo/`` of the data folder and in the package
DATA_SUBPATH = Path("geo") / FILE_NAME


class OutlinesError(ValueError):
    """The outlines file is not a readable GeoJSON collection of countries; the message names the file."""

    def __init__(self, path, message: str):
        self.path = str(path)
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, eq=False)
class Outlines:
    """The countries of an outlines file, one entry per feature (in file order).

    Attributes
    ----------
    path : str
        The file read.
    codes : tuple of (str or None)
        ISO 3166-1 alpha-2 code of each outline (None: no code matched).
    names : tuple of str
        Each outline's name as the file writes it.
    population, gdp : (n,) float
        Population estimate and GDP (million US$) of each outline, NaN where the file gives none.
    rings : tuple of tuple of ndarray
        Each outline's polygons, by their exterior rings: (m, 2) arrays of (longitude, latitude) in degrees.
        Holes are left out: a country inside another (Lesotho in South Africa) is an outline of its own, drawn
        over it (:func:`draw_order`).
    """

    path: str
    codes: tuple[str | None, ...]
    names: tuple[str, ...]
    population: np.ndarray
    gdp: np.ndarray
    rings: tuple[tuple[np.ndarray, ...], ...]

    def index(self) -> dict[str, int]:
        """Code → position of its first outline."""
        out: dict[str, int] = {}
        for i, code in enumerate(self.codes):
            if code is not None:
                out.setdefault(code, i)
        return out

    def draw_order(self) -> np.ndarray:
        """Outline positions, largest first (by the area of their rings in square degrees): enclaves come last,
        over the country around them."""
        return np.argsort([-sum(_area(r) for r in rings) for rings in self.rings], kind="stable")

    def unmatched(self) -> list[str]:
        """Names of the outlines no country code matched."""
        return [name for name, code in zip(self.names, self.codes, strict=True) if code is None]


@dataclass(frozen=True, eq=False)
class CountryFacts:
    """Per-country facts for a list of country codes (a topology's), from an outlines file.

    Attributes
    ----------
    codes : tuple of str
        The countries, in the order of the arrays.
    population, gdp : (len(codes),) float
        Population estimate and GDP (million US$); NaN where the country has no outline.
    source : str
        The outlines file read.
    missing : tuple of str
        Codes without an outline (no facts, not drawn on maps).
    """

    codes: tuple[str, ...]
    population: np.ndarray
    gdp: np.ndarray
    source: str
    missing: tuple[str, ...]

    def describe(self) -> str:
        """One line: how many countries have facts, and the codes that have none."""
        have = len(self.codes) - len(self.missing)
        text = f"{self.source}: facts for {have} of {len(self.codes)} countries"
        return text + (f"; none for {', '.join(self.missing)}" if self.missing else "")


def _area(ring: np.ndarray) -> float:
    """A ring's area in square degrees (shoelace formula)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(abs(x @ np.roll(y, -1) - y @ np.roll(x, -1)) / 2)


def outlines_path(path: str | Path | None = None) -> Path:
    """The outlines file to read: ``path`` when given, else the data folder's ``geo/countries_110m.geojson.gz``
    when it exists, else the package's copy."""
    if path is not None:
        return Path(path).expanduser()
    in_data = data_dir() / DATA_SUBPATH
    if in_data.is_file():
        return in_data
    return Path(str(resources.files("sim.data") / FILE_NAME))


def load_outlines(path: str | Path | None = None) -> Outlines:
    """Read an outlines file (see :func:`outlines_path` for which one); each file is read once per process.

    Raises
    ------
    OutlinesError
        The file is missing, unreadable, not (gzip-compressed) JSON, or not a FeatureCollection of polygons with
        the properties ``name`` and ``pop_est``; the message names the file and what is wrong.
    """
    resolved = outlines_path(path).resolve()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise OutlinesError(resolved, f"cannot read the outlines file: {exc.strerror or exc}") from None
    return _load(str(resolved), stamp)


@lru_cache(maxsize=4)
def _load(path: str, _stamp: int) -> Outlines:
    try:
        raw = Path(path).read_bytes()
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        doc = json.loads(text.decode("utf-8"))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OutlinesError(path, f"not a readable (gzip-compressed) GeoJSON file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise OutlinesError(path, "not a GeoJSON FeatureCollection (no 'features' list)")
    if not doc["features"]:
        raise OutlinesError(path, "the collection holds no country")
    parts = [_feature(path, i, f) for i, f in enumerate(doc["features"])]
    codes, names, pop, gdp, rings = zip(*parts, strict=True)
    return Outlines(path, codes, names, np.array(pop, float), np.array(gdp, float), rings)


def _feature(path: str, i: int, feature) -> tuple:
    """One feature: (code, name, population, gdp, rings); an OutlinesError naming the feature when malformed."""
    where = f"feature {i}"
    props = feature.get("properties") if isinstance(feature, dict) else None
    geom = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(props, dict) or not isinstance(geom, dict):
        raise OutlinesError(path, f"{where}: a feature needs 'properties' and 'geometry'")
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise OutlinesError(path, f"{where}: no 'name'")
    return (
        _code(props),
        name,
        _number(path, f"{where} ({name}): pop_est", props.get("pop_est")),
        _number(path, f"{where} ({name}): gdp_md_est", props.get("gdp_md_est")),
        _rings(path, f"{where} ({name})", geom),
    )


def _code(props: dict) -> str | None:
    """The outline's alpha-2 code: ``iso_a2``, else ``iso_a2_eh``, else ``iso_a3`` ("-99" means none)."""
    for key in ("iso_a2", "iso_a2_eh", "iso_a3"):
        value = props.get(key)
        if isinstance(value, str) and value.strip() and value.strip() != "-99":
            code = to_alpha2(value)
            if code is not None:
                return code
    return None


def _number(path: str, where: str, value) -> float:
    """A non-negative number, NaN when absent (null or the file's -99); an error when not a number."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OutlinesError(path, f"{where} must be a number, got {value!r}")
    return math.nan if value < 0 else float(value)


def _rings(path: str, where: str, geom: dict) -> tuple[np.ndarray, ...]:
    kind, coords = geom.get("type"), geom.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
    if not isinstance(polygons, list):
        raise OutlinesError(path, f"{where}: geometry must be a Polygon or MultiPolygon, got {kind!r}")
    out = []
    try:
        for polygon in polygons:
            for ring in polygon:
                arr = np.asarray(ring, dtype=float)
                if arr.ndim != 2 or arr.shape[1] < 2 or len(arr) < 3 or not np.isfinite(arr).all():
                    raise ValueError("a ring must be at least 3 finite (longitude, latitude) points")
                if np.abs(arr[:, 0]).max() > 180 or np.abs(arr[:, 1]).max() > 90:
                    raise ValueError("coordinates out of range (longitude ±180°, latitude ±90°)")
                if ring is polygon[0]:  # the exterior; holes are checked, not kept (see Outlines.rings)
                    out.append(arr[:, :2])
    except (TypeError, ValueError) as exc:
        raise OutlinesError(path, f"{where}: bad coordinates: {exc}") from None
    if not out:
        raise OutlinesError(path, f"{where}: no polygon")
    return tuple(out)


def country_facts(codes, path: str | Path | None = None) -> CountryFacts:
    """Population and GDP of each country of ``codes`` from the outlines (NaN where it has none).

    Raises
    ------
    OutlinesError
        As :func:`load_outlines`.
    """
    outlines = load_outlines(path)
    codes = tuple(codes)
    where = outlines.index()
    pos = np.array([where.get(c, -1) for c in codes], dtype=np.int64)
    found = pos >= 0
    pop = np.where(found, outlines.population[np.maximum(pos, 0)] if len(pos) else 0.0, np.nan)
    gdp = np.where(found, outlines.gdp[np.maximum(pos, 0)] if len(pos) else 0.0, np.nan)
    missing = tuple(c for c, f in zip(codes, found, strict=True) if not f)
    return CountryFacts(codes, pop.astype(float), gdp.astype(float), outlines.path, missing)
