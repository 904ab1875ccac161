"""Radix Themes with only what the pages use: the app's colour scales instead of all 31, and no copy of the
whole component library in the root bundle (docs/performance.md, frontend weight)."""

from __future__ import annotations

import dataclasses
from typing import Any

from reflex_components_radix.plugin import RadixThemesPlugin

THEMES = "@radix-ui/themes"
# Every colour scale the pages name (accent, color_scheme, color), plus slate: Radix pairs the blue accent
# with the slate grays (gray_color="auto"). tests/unit/test_radix_themes.py fails when a page names another.
COLORS = ("amber", "blue", "gray", "green", "indigo", "orange", "red", "slate")


@dataclasses.dataclass
class SlimRadixThemesPlugin(RadixThemesPlugin):
    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        # Radix's documented split of styles.css: base tokens, one file per colour, components, utilities.
        if not self.enabled:
            return ()
        return (
            f"{THEMES}/tokens/base.css",
            *(f"{THEMES}/tokens/colors/{color}.css" for color in COLORS),
            f"{THEMES}/components.css",
            f"{THEMES}/utilities.css",
        )

    def get_frontend_dependencies(self, **context: Any) -> tuple[str, ...]:
        # The base plugin's dependency is also registered as a "bundled library": the root then imports the whole
        # @radix-ui/themes namespace onto window.__reflex for components sent from the backend, which this app
        # never does, and every page pays for all of Radix. The package is still installed: each Radix component
        # names it as its library.
        return ()
