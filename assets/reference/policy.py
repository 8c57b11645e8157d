"""How the Comtrade reference files are fetched: the source policy and the exact URLs.

The reference lists are static Azure blobs on ``comtradeapi.un.org`` (no key, cached for about a
week; see shared/research/trade.md section 1.8): the HS 2017 and HS 2022 commodity lists
(``H5.json``, ``H6.json``), the reporter and partner areas and the quantity units. The same URLs are
recorded in the bundled snapshot ``snapshot/comtrade_ref/`` by
``tools/snapshots/build_comtrade_reference.py``, from the full official lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.http import Fetched, SourceClient, SourcePolicy

SOURCE_NAME = "comtrade_ref"

REFERENCE_BASE_URL = "https://comtradeapi.un.org/files/v1/app/reference/"

#: key -> URL, in the order the files are fetched. Keys are what the parsers expect.
REFERENCE_URLS: dict[str, str] = {
    "H5": REFERENCE_BASE_URL + "H5.json",
    "H6": REFERENCE_BASE_URL + "H6.json",
    "reporters": REFERENCE_BASE_URL + "Reporters.json",
    "partners": REFERENCE_BASE_URL + "partnerAreas.json",
    "qty_units": REFERENCE_BASE_URL + "QuantityUnits.json",
}

#: HS editions the warehouse maps (H5 = HS2017, H6 = HS2022).
HS_EDITIONS: tuple[str, ...] = ("H5", "H6")

COMTRADE_REF_POLICY = SourcePolicy(
    name=SOURCE_NAME,
    allowed_hosts=frozenset({"comtradeapi.un.org"}),
    min_interval_s=1.0,
    max_attempts=4,
    retry_statuses=frozenset({429, 500, 502, 503, 504}),
    max_bytes=50 * 1024 * 1024,
)


def fetch_reference_files(
    client: SourceClient, keys: Iterable[str] | None = None
) -> dict[str, Fetched]:
    """Fetch the reference files named by ``keys`` (default: all), keyed like
    :data:`REFERENCE_URLS`."""
    wanted = list(REFERENCE_URLS) if keys is None else list(keys)
    return {key: client.get(REFERENCE_URLS[key]) for key in wanted}
