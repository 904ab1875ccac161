"""axe-core (issue 7 §3) on every page of the tour, in the state it names: no serious or critical violation of
WCAG 2.0/2.1 A and AA and WCAG 2.2 AA. The figures of every page (violations by impact, seconds) are written to
test-results/axe-report.json; docs/accessibility.md explains what axe cannot check."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from tests.app_process import ROOT
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.page_tour import TOUR, registered_routes

pytestmark = pytest.mark.e2e
AXE_DIR = ROOT / ".tools" / "axe" / "node_modules" / "axe-core"
AXE_JS = AXE_DIR / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
RUN_AXE = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 targets: v.nodes.map(n => n.target.join(' ')),
                                 html: v.nodes.map(n => n.html.slice(0, 200)),
                                 why: v.nodes.map(n => (n.failureSummary || '').slice(0, 300))}));
}"""


def test_the_tour_visits_every_page():
    toured = {stop.route for stop in TOUR}
    assert sorted(registered_routes() - toured) == [], "pages without a stop in tests/e2e/page_tour.py TOUR"
    assert sorted(toured - registered_routes()) == [], "stops for pages the app no longer has"


@pytest.fixture(scope="module")
def report():
    pages: dict[str, dict] = {}
    started = time.perf_counter()
    yield pages
    totals = Counter()
    for page in pages.values():
        totals.update(page["counts"])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps({
        "axe_version": json.loads((AXE_DIR / "package.json").read_text())["version"], "tags": TAGS,
        "pages_audited": len(pages), "violations_by_impact": {i: totals[i] for i in IMPACTS},
        "tour_seconds": round(time.perf_counter() - started, 1), "pages": pages,
    }, ensure_ascii=False, indent=2))


@pytest.fixture(scope="module")
def axe_script() -> str:
    # A missing axe-core is a broken set-up, never a reason to pass: `make setup` installs it.
    assert AXE_JS.is_file(), f"axe-core is missing at {AXE_JS}: run `make setup` (its `axe` step)"
    return str(AXE_JS)


@pytest.mark.parametrize("stop", TOUR, ids=lambda s: s.name)
def test_no_serious_or_critical_axe_violation(tour, stop, axe_script, report):
    page, seconds = tour.visit(stop)
    started = time.perf_counter()
    page.add_script_tag(path=axe_script)
    violations = page.evaluate(RUN_AXE, TAGS)
    counts = Counter()
    for v in violations:
        counts[v["impact"]] += len(v["targets"])
    report[stop.name] = {"role": stop.role, "path": stop.path(tour.world), "counts": {i: counts[i] for i in IMPACTS},
                         "violations": violations, "visit_seconds": round(seconds, 2),
                         "axe_seconds": round(time.perf_counter() - started, 2)}
    blocking = [f"{stop.name} ({stop.path(tour.world)}): {v['id']} [{v['impact']}] {v['help']} — {target}"
                for v in violations if v["impact"] in BLOCKING for target in v["targets"]]
    assert not blocking, "\n".join(blocking)
