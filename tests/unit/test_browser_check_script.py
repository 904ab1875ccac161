"""assets/browser-check.js must parse in an outdated browser: ES5 only (an ES2015+ construct in it would leave exactly
the browsers it is for without a notice). pyjsparser is an ES5.1 parser that also accepts let/const and method
shorthand, so those are checked on its syntax tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyjsparser import parse
from pyjsparser.pyjsparserdata import JsSyntaxError

from jssi_app.components.browser_notices import CHECK_SCRIPT, RECOMMENDED_BROWSERS

SCRIPT = Path(__file__).resolve().parents[2] / "assets" / CHECK_SCRIPT.lstrip("/")


def _nodes(tree):
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)


def es5_problems(source: str) -> list[str]:
    try:
        tree = parse(source)
    except JsSyntaxError as exc:
        return [f"not ES5: {exc}"]
    problems = []
    for node in _nodes(tree):
        if node.get("type") == "VariableDeclaration" and node.get("kind") != "var":
            problems.append(node["kind"])
        if node.get("type") == "Property" and (node.get("method") or node.get("shorthand")):
            problems.append("method or shorthand property")
    return problems


def test_the_check_script_is_es5():
    assert es5_problems(SCRIPT.read_text("utf-8")) == []


@pytest.mark.parametrize("source", ["let a = 1;", "const a = 1;", "var f = x => x;", "var o = {a() {}};",
                                    "var o = {a};", "var s = `x`;", "a?.b;", "class A {}"])
def test_es2015_and_later_constructs_are_refused(source):
    assert es5_problems(source) != []


def test_the_notices_give_the_guides_browser_advice():
    # The same sentence as the <noscript> page (components/browser_notices.py), from the seed's 浏览器兼容性.
    assert RECOMMENDED_BROWSERS in SCRIPT.read_text("utf-8")
