"""Reverse geocoding through a configurable map service (System Settings → Location).

A provider turns a point into an address. It is used only when System Settings names one
and holds its key; without them ``reverse_geocode`` answers an empty address and no note,
so whatever asked (a check-in) carries on. A provider that fails (an error answer, a
timeout, a refused connection) never fails the caller either: the address stays empty and
the answer's ``note`` says why, in the user's language.

Providers take coordinates in their own datum: a Chinese map service works in GCJ-02, so the
WGS-84 point a browser reports is converted first (``lowcode.geo.datum``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import ClassVar

from lowcode.geo.datum import GCJ02, convert
from lowcode.i18n import _

AMAP = "AMap"
AMAP_URL = "https://restapi.amap.com"
DEFAULT_TIMEOUT_S = 3.0
_MAX_ANSWER_BYTES = 256 * 1024


class GeocodingError(Exception):
    """The provider could not answer; the message is shown as the caller's note."""


@dataclass(frozen=True)
class Place:
    """A reverse-geocoding answer: the address ("" if none) and why it is empty, if it is."""

    address: str = ""
    note: str = ""


class Provider:
    """A map service's reverse geocoding: ``address(lng, lat)`` in the provider's ``datum``."""

    name: ClassVar[str]
    label: ClassVar[str]
    datum: ClassVar[str]

    def __init__(self, key: str, base_url: str, timeout: float) -> None:
        self.key, self.base_url, self.timeout = key, base_url.rstrip("/"), timeout

    def address(self, lng: float, lat: float) -> str:
        raise NotImplementedError

    def get_json(self, path: str, params: dict[str, str]) -> dict:
        """GET ``base_url + path`` and parse its JSON; any failure is a GeocodingError."""
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise GeocodingError(_("the service address is not an http(s) URL"))
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:  # noqa: S310 - scheme checked above
                body = answer.read(_MAX_ANSWER_BYTES)
        except TimeoutError as exc:
            raise GeocodingError(_("no answer within {seconds} s", seconds=self.timeout)) from exc
        except urllib.error.HTTPError as exc:
            raise GeocodingError(_("HTTP {status}", status=exc.code)) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise GeocodingError(
                    _("no answer within {seconds} s", seconds=self.timeout)
                ) from exc
            raise GeocodingError(str(exc.reason)) from exc
        except OSError as exc:
            raise GeocodingError(str(exc)) from exc
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise GeocodingError(_("the answer is not JSON")) from exc
        if not isinstance(data, dict):
            raise GeocodingError(_("the answer is not JSON"))
        return data


class AMapProvider(Provider):
    """AMap (高德) web service: ``/v3/geocode/regeo`` takes and answers GCJ-02."""

    name = AMAP
    label = "AMap"
    datum = GCJ02

    def address(self, lng: float, lat: float) -> str:
        data = self.get_json(
            "/v3/geocode/regeo",
            {"key": self.key, "location": f"{lng:.6f},{lat:.6f}", "output": "JSON"},
        )
        if str(data.get("status")) != "1":
            # AMap answers 200 with status 0 and its reason (INVALID_USER_KEY, DAILY_QUERY_OVER_LIMIT).
            raise GeocodingError(f"{data.get('info') or '?'} ({data.get('infocode') or '?'})")
        found = (data.get("regeocode") or {}).get("formatted_address")
        # Nowhere named (open sea) comes back as an empty list rather than a string.
        return found if isinstance(found, str) else ""


PROVIDERS: dict[str, type[Provider]] = {AMAP: AMapProvider}


def configured_provider() -> Provider | None:
    """The provider System Settings names, if it also holds a key; else None."""
    from lowcode import system_settings

    name = system_settings.value("geocoding_provider") or ""
    key = system_settings.value("geocoding_key") or ""
    cls = PROVIDERS.get(name)
    if cls is None or not key:
        return None
    base_url = system_settings.value("geocoding_url") or AMAP_URL
    timeout = float(system_settings.value("geocoding_timeout") or DEFAULT_TIMEOUT_S)
    return cls(key, base_url, timeout)


def reverse_geocode(lng: float, lat: float, datum: str) -> Place:
    """Return the address of a point given in ``datum``; never raises for a provider's failure."""
    provider = configured_provider()
    if provider is None:
        return Place()
    p_lng, p_lat = convert(lng, lat, datum, provider.datum)
    try:
        return Place(address=provider.address(p_lng, p_lat).strip())
    except GeocodingError as exc:
        return Place(
            note=_(
                "Address lookup failed ({provider}): {reason}",
                provider=_(provider.label),
                reason=str(exc),
            )
        )
