"""Count what a person does in a browser journey: taps and full page loads.

The goals in issue 17 ("the rep's morning in ≤ 15 taps and ≤ 6 full page loads") are
measured here, so every journey test counts the same way:

- a *tap* is one deliberate touch: ``journey.tap(locator)`` clicks and counts it. Typing
  into a field the tap focused is not a tap; choosing from a native ``<select>`` is one
  (``journey.choose``).
- a *full page load* is a new top-level document (an HTMX swap or a ``fetch`` is not): an
  init script bumps a counter in ``sessionStorage`` on every top-level document, and the
  page's own value is read back, so nothing crosses threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_COUNT_LOADS = """
if (window === window.top) {
  const key = "__journey_loads";
  sessionStorage.setItem(key, String(Number(sessionStorage.getItem(key) || 0) + 1));
}
"""


@dataclass
class Journey:
    """Taps and loads of one page, from the moment it is made (before its first goto)."""

    page: Any
    taps: int = 0
    steps: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.add_init_script(_COUNT_LOADS)
        self._loads_before = 0

    def start(self) -> None:
        """Count from here: the loads and taps so far (logging in, say) do not count."""
        self._loads_before = self._loads_now()
        self.taps = 0
        self.steps = []

    def tap(self, target: Any, what: str = "") -> None:
        """Tap ``target`` (a locator or a selector) once, and count it."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        locator.click()
        self.taps += 1
        self.steps.append(what or str(target))

    def choose(self, target: Any, value: str, what: str = "") -> None:
        """Pick ``value`` from a native select: one tap (the phone's picker wheel)."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        locator.select_option(value)
        self.taps += 1
        self.steps.append(what or f"{target}={value}")

    @property
    def loads(self) -> int:
        """Full page loads since :meth:`start`."""
        return self._loads_now() - self._loads_before

    def _loads_now(self) -> int:
        try:
            return int(self.page.evaluate("Number(sessionStorage.getItem('__journey_loads') || 0)"))
        except Exception:  # about:blank before the first goto has no sessionStorage
            return 0

    def summary(self) -> str:
        """One line for the test's output and the closing note."""
        return f"{self.taps} taps, {self.loads} full page loads: " + " → ".join(self.steps)
