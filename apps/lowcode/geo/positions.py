"""Judge a device's position against the site's thresholds (System Settings → Location).

A position is flagged when the device was unsure where it was (accuracy worse than
``location_max_accuracy`` metres, or not reported) or when it lies farther than
``location_max_distance`` metres from the place it should be (a customer's coordinates, in
whichever datum they are stored: both are brought to WGS-84 before measuring).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lowcode.geo.datum import WGS84, distance_m
from lowcode.i18n import _

DEFAULT_MAX_ACCURACY_M = 200
DEFAULT_MAX_DISTANCE_M = 500


@dataclass(frozen=True)
class Position:
    """Where a device says it is: (lng, lat) in ``datum``, ``accuracy`` metres (None: unknown)."""

    lng: float
    lat: float
    accuracy: float | None = None
    datum: str = WGS84


@dataclass
class Judgement:
    """``distance`` metres from the expected place (None without one) and why it is flagged."""

    distance: float | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


def _threshold(fieldname: str, default: int) -> float:
    from lowcode import system_settings

    found = system_settings.value(fieldname)
    # A record saved before the field existed holds NULL: the DocType's default applies.
    return float(default if found is None else found)


def judge_position(position: Position, expected: Position | None = None) -> Judgement:
    """Return the distance from ``expected`` and the reasons (translated) to flag ``position``."""
    judgement = Judgement()
    max_accuracy = _threshold("location_max_accuracy", DEFAULT_MAX_ACCURACY_M)
    if position.accuracy is None:
        judgement.reasons.append(_("position accuracy not reported"))
    elif position.accuracy > max_accuracy:
        judgement.reasons.append(
            _(
                "position accuracy {accuracy} m is worse than {limit} m",
                accuracy=round(position.accuracy),
                limit=round(max_accuracy),
            )
        )
    if expected is not None:
        judgement.distance = distance_m(
            (position.lng, position.lat, position.datum),
            (expected.lng, expected.lat, expected.datum),
        )
        max_distance = _threshold("location_max_distance", DEFAULT_MAX_DISTANCE_M)
        if judgement.distance > max_distance:
            judgement.reasons.append(
                _(
                    "{distance} m from the customer's site (more than {limit} m)",
                    distance=round(judgement.distance),
                    limit=round(max_distance),
                )
            )
    return judgement
