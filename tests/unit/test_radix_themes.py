"""The slim Radix Themes stylesheet holds every colour scale the pages name; a missing one renders colourless."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from reflex_components_radix.themes.base import LiteralAccentColor

from jssi_app.components.radix_themes import COLORS, SlimRadixThemesPlugin

ROOT = Path(__file__).resolve().parents[2]
SCALES = set(typing.get_args(LiteralAccentColor)) | {"mauve", "slate", "sage", "olive", "sand"}


def _colour_names_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in SCALES}


def test_every_colour_a_page_names_has_its_scale_in_the_stylesheet():
    named = set()
    for path in [*(ROOT / "jssi_app").rglob("*.py"), ROOT / "rxconfig.py"]:
        named |= _colour_names_in(path)
    assert {"blue", "red", "green", "gray"} <= named  # the scan finds the colours the pages do use
    assert named - set(COLORS) == set()


def test_stylesheet_is_the_split_radix_themes_files_with_the_blue_accents_grays():
    sheets = SlimRadixThemesPlugin().get_stylesheet_paths()
    assert sheets[0] == "@radix-ui/themes/tokens/base.css"
    assert "@radix-ui/themes/tokens/colors/slate.css" in sheets  # gray_color="auto" pairs blue with slate
    assert sheets[-2:] == ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
    assert "@radix-ui/themes/styles.css" not in sheets
    assert SlimRadixThemesPlugin().get_frontend_dependencies() == ()
