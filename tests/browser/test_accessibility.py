"""axe-core (from PyPI's axe-playwright-python, for tests only) on the main
pages of each role, at 360 px and 1280 px: no serious or critical violation."""
from datetime import date

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_login import log_in

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")


def pages_of(world, session_id):
    return {
        None: ["/login"],
        "librarian_a": ["/", f"/points/{world.point_a.id}/tally", f"/points/{world.point_a.id}/equipment",
                        f"/points/{world.point_a.id}/visits", f"/communes/{world.commune_a.id}/reports/2026/5",
                        f"/province/communes/{world.commune_a.id}", "/resources", "/account"],
        "trainer_p": ["/", "/training", f"/training/{session_id}", "/training/coverage"],
        "province_staff_p": ["/", "/province", "/province/trends", f"/province/communes/{world.commune_a.id}",
                             "/reports", "/reports/completeness", "/points", "/progress", "/visits", "/audit"],
        "admin": ["/admin/users", "/admin/users/new"],
    }


def serious(results) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_main_pages_have_no_serious_accessibility_violations(make_page, app, world, viewport):
    from tests.test_training import make_attendee, make_session

    session_id = make_session(app, world, start_date=date(2026, 5, 4), end_date=date(2026, 5, 4))
    make_attendee(app, session_id)
    axe = axe_playwright.Axe()
    found = {}
    for role, paths in pages_of(world, session_id).items():
        page, problems = make_page(viewport=viewport)
        if role:
            log_in(page, getattr(world, role).name)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (role, path, response.status)
            violations = serious(axe.run(page))
            if violations:
                found[f"{role} {path}"] = violations
        page.context.close()
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())
