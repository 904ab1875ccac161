"""窗口业务 in a real browser: the demo clerk signs in at /staff/login, opens 窗口业务 from the header, changes a
person's registered phone (ID card checkbox required), upgrades a 15-digit record, runs a 试导入 that reports a
file/line error and one that passes; on a phone the queue and a task's 不予办理 work; a reviewer is refused."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from jssi_app.adapters.clock import utcnow
from jssi_app.db import engine_for
from jssi_app.domain.counter_tasks import MANUAL_CERTIFICATION
from jssi_app.domain.identifiers import upgrade_15_to_18
from jssi_app.services import counter_tasks, registration
from jssi_app.services.demo_registry import DEMO_IDENTITIES, write_demo_extract
from jssi_app.services.demo_review import DEMO_STAFF
from tests.e2e.conftest import ROOT, VIEWPORTS, shot

pytestmark = pytest.mark.e2e
CLERK, _ROLE, CLERK_NAME, CLERK_PASSWORD = next(s for s in DEMO_STAFF if s[1] == "clerk")
REVIEWER, REVIEWER_PASSWORD = "e2ecounterrev", "Review2026ok"
_DEMO_NUMBERS = {d.id_number for d in DEMO_IDENTITIES} | {"320105680412231"}


def _rows(app_server) -> list[dict[str, str]]:
    with open(Path(app_server.registry_dir) / "persons.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def legacy_persons(app_server) -> list[dict[str, str]]:
    """Persons the demo registry holds only with a 15-digit number (App.persons leaves them out), other than the
    documented demo identity, which other tests use to see the 15位升18位 advice."""
    return [r for r in _rows(app_server) if len(r["id_number"]) == 15 and r["id_number"] not in _DEMO_NUMBERS]


def phone_person(app_server) -> dict[str, str]:
    """An 18-digit person with a registered phone, from the end of the list (the registration tests take theirs
    from the start), and not retired (the face certification tests use those)."""
    rows = [r for r in _rows(app_server) if len(r["id_number"]) == 18 and r["phone"]
            and r["person_type"] != "退休人员" and r["id_number"] not in _DEMO_NUMBERS]
    return rows[-1]


def _create_staff(app_server, username: str, role: str, display: str, password: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jssi_app", "staff", "create", "--username", username, "--role", role,
         "--display-name", display],
        cwd=ROOT, env=app_server.env, input=password + "\n", capture_output=True, text=True, check=False,
    )
    # Another module may have created the demo clerk already (with the same demo password).
    assert done.returncode == 0 or "已存在" in done.stderr, done.stderr


@pytest.fixture(scope="module")
def clerk(app_server) -> str:
    _create_staff(app_server, CLERK, "clerk", CLERK_NAME, CLERK_PASSWORD)
    return CLERK


def _sign_in(page, app_server, username: str, password: str) -> None:
    page.goto(app_server.url + "/staff/login")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="审核工作台")).to_be_visible()


def _open_counter(page) -> None:
    page.get_by_role("banner").get_by_role("link", name="窗口业务").click()
    expect(page.get_by_role("heading", name="窗口业务", exact=True)).to_be_visible()


def _extract(directory: Path, *, broken: bool) -> list[str]:
    write_demo_extract(directory, persons=20, units=6, seed=4242)
    if broken:
        path = directory / "persons.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        rows[4][2] = "女" if rows[4][2] == "男" else "男"  # line 5: 性别 no longer matches the ID number
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")
    return [str(directory / n) for n in ("persons.csv", "units.csv", "contributions.csv")]


def test_clerk_changes_a_phone_upgrades_a_15_digit_record_and_dry_runs_an_import(app_server, new_page, clerk,
                                                                                  tmp_path):
    page = new_page(VIEWPORTS["desktop"])
    _sign_in(page, app_server, clerk, CLERK_PASSWORD)
    expect(page.locator("#staff-user")).to_contain_text("窗口经办")
    _open_counter(page)
    shot(page, "counter-queue-desktop")

    # 人员信息变更 → 变更手机号码
    page.get_by_role("navigation", name="窗口业务").get_by_role("link", name="人员信息变更").click()
    expect(page.get_by_role("heading", name="人员信息变更")).to_be_visible()
    person = phone_person(app_server)
    old_masked = person["phone"][:3] + "****" + person["phone"][-4:]
    page.get_by_label("身份证号码").fill(person["id_number"])
    page.get_by_role("button", name="查询", exact=True).click()
    record = page.locator("#counter-record")
    expect(record).to_contain_text(person["id_number"][:6] + "********" + person["id_number"][-4:])
    expect(record).to_contain_text(old_masked)
    expect(record).not_to_contain_text(person["id_number"])
    expect(record).not_to_contain_text(person["name"])

    phone_form = page.locator("#counter-phone-form")
    new_phone = "139" + person["phone"][3:7][::-1] + "8642"
    phone_form.get_by_label("新手机号码").fill(new_phone)
    phone_form.get_by_role("button", name="确认变更手机号码").click()
    # Without the ID card check nothing changes, and the page says why, next to the checkbox.
    expect(page.locator("#error-summary")).to_contain_text("请先核验本人身份证原件")
    expect(phone_form).to_contain_text("请先核验本人身份证原件")
    expect(record).to_contain_text(old_masked)
    phone_form.get_by_label("已核验本人身份证原件").check()
    phone_form.get_by_role("button", name="确认变更手机号码").click()
    done = page.locator("#counter-done")
    expect(done).to_contain_text("手机号码已变更")
    expect(done).to_contain_text(f"{old_masked} → {new_phone[:3]}****{new_phone[-4:]}")
    expect(done).to_contain_text(f"已向原手机号码 {old_masked} 发送变更通知短信")
    expect(record).to_contain_text(new_phone[:3] + "****" + new_phone[-4:])
    expect(page.locator("#counter-phone-form").get_by_label("已核验本人身份证原件")).not_to_be_checked()
    shot(page, "counter-phone-changed")

    # 15位升18位: the old 15-digit number finds the record; after the upgrade the person can register online.
    legacy = legacy_persons(app_server)[0]
    id18 = upgrade_15_to_18(legacy["id_number"])
    page.get_by_label("身份证号码").fill(legacy["id_number"])
    page.get_by_role("button", name="查询", exact=True).click()
    expect(record).to_contain_text("15位")
    upgrade_form = page.locator("#counter-upgrade-form")
    expect(upgrade_form).to_contain_text(id18[:6] + "********" + id18[-4:])
    upgrade_form.get_by_label("已核验本人身份证原件").check()
    upgrade_form.get_by_role("button", name="确认升位").click()
    expect(done).to_contain_text("已完成15位升18位")
    expect(done).to_contain_text("现在可以使用18位身份证号码在网上服务大厅注册")
    expect(record).to_contain_text("18位")
    expect(page.locator("#counter-upgrade-form")).to_have_count(0)
    shot(page, "counter-id-upgraded")
    eng = engine_for(app_server.env["REFLEX_DB_URL"])
    try:
        with Session(eng) as db:
            found, legacy_only = registration.find_registry_person(db, id18)
            assert found is not None and not legacy_only
            db.rollback()
    finally:
        eng.dispose()

    # 参保数据导入 → 试导入 with an error, then one that passes; nothing is written by either.
    page.get_by_role("navigation", name="窗口业务").get_by_role("link", name="参保数据导入").click()
    expect(page.get_by_role("heading", name="参保数据导入")).to_be_visible()
    upload = page.locator("#registry-extract input[type=file]")
    upload.set_input_files(_extract(tmp_path / "broken", broken=True))
    expect(page.locator("#import-files")).to_contain_text("persons.csv")
    expect(page.get_by_role("button", name="正式导入")).to_be_disabled()
    page.get_by_role("button", name="试导入").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("试导入发现 1 处错误，未写入任何数据")
    expect(page.locator("#import-errors")).to_contain_text("persons.csv 第5行：性别与身份证号码不符")
    expect(page.get_by_role("button", name="正式导入")).to_be_disabled()
    expect(page.locator("#import-files")).to_have_count(0)  # files with errors are removed at once
    shot(page, "counter-import-dry-run-errors")

    upload.set_input_files(_extract(tmp_path / "good", broken=False))
    expect(page.locator("#import-result")).to_have_count(0)
    expect(page.locator("#import-files")).to_contain_text("contributions.csv")
    page.get_by_role("button", name="试导入").click()
    expect(result).to_contain_text("试导入通过，未写入任何数据")
    expect(page.get_by_text("参保人员", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="正式导入")).to_be_enabled()
    shot(page, "counter-import-dry-run-passed")
    page.get_by_role("button", name="重新选择").click()
    expect(page.locator("#import-files")).to_have_count(0)


def open_certification_task(app_server, summary: str) -> int:
    """A 人工认证 task in the app's database, as three failed face certifications leave one."""
    eng = engine_for(app_server.env["REFLEX_DB_URL"])
    try:
        with Session(eng, expire_on_commit=False) as db:
            task = counter_tasks.open_task(db, MANUAL_CERTIFICATION, summary=summary, actor="e2e",
                                           detail={"tries": 3}, now=utcnow())
            db.commit()
            return task.id
    finally:
        eng.dispose()


def test_queue_on_a_phone_and_refusing_a_task(app_server, new_page, clerk):
    task_id = open_certification_task(app_server, "退休人员 周** 人工认证（e2e）")
    page = new_page(VIEWPORTS["phone"])
    _sign_in(page, app_server, clerk, CLERK_PASSWORD)
    _open_counter(page)
    row = page.locator(".counter-task", has_text="退休人员 周** 人工认证（e2e）")
    expect(row).to_contain_text("人工认证")
    expect(row).to_contain_text("待办理")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    shot(page, "counter-queue-phone")

    row.get_by_role("link", name="办理").click()
    expect(page.get_by_role("heading", name="窗口业务详情")).to_be_visible()
    assert page.url.endswith(f"/staff/counter/tasks/{task_id}")
    expect(page.get_by_text("当日认证失败次数")).to_be_visible()
    page.get_by_role("button", name="不予办理").click()
    expect(page.locator("#field-note-error")).to_contain_text("请填写办理意见")
    page.get_by_label("办理意见").fill("本人未到场，请携带身份证原件到窗口办理")
    page.get_by_role("button", name="不予办理").click()
    expect(page.locator("#task-status")).to_have_text("不予办理")
    expect(page.get_by_role("status")).to_contain_text("办理意见已记录")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    shot(page, "counter-task-refused-phone")

    page.get_by_role("link", name="← 返回窗口业务").click()
    expect(page.get_by_role("heading", name="窗口业务", exact=True)).to_be_visible()
    expect(page.locator(".counter-task", has_text="周** 人工认证（e2e）")).to_have_count(0)
    page.get_by_label("办理状态").select_option("refused")
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator(".counter-task", has_text="周** 人工认证（e2e）")).to_contain_text("本人未到场")

    # 退出 from a counter page ends the session; the counter then asks for the staff login again.
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已安全退出。")).to_be_visible()
    page.goto(app_server.url + "/staff/counter")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()


def test_a_long_queue_is_paged_and_the_clerk_comes_back_to_the_page_left(app_server, new_page, clerk):
    # The newest tasks are on the last page (first come, first served).
    for n in range(counter_tasks.PAGE_SIZE + 1):
        open_certification_task(app_server, f"分页测试 {n:02d} 人工认证")
    page = new_page(VIEWPORTS["desktop"])
    _sign_in(page, app_server, clerk, CLERK_PASSWORD)
    _open_counter(page)
    pager = page.locator("[aria-label='分页']")
    expect(pager).to_contain_text("第 1 / ")
    total = int(page.locator("#counter-total").inner_text().strip("共 件"))
    assert total >= counter_tasks.PAGE_SIZE + 1
    last = -(-total // counter_tasks.PAGE_SIZE)
    expect(page.locator(".counter-task")).to_have_count(counter_tasks.PAGE_SIZE)
    newest = page.locator(".counter-task", has_text=f"分页测试 {counter_tasks.PAGE_SIZE:02d}")
    expect(newest).to_have_count(0)
    for n in range(2, last + 1):
        page.get_by_role("button", name="下一页").click()
        expect(pager).to_contain_text(f"第 {n} / {last} 页")
    expect(newest).to_be_visible()
    expect(page.get_by_role("button", name="下一页")).to_be_disabled()

    newest.get_by_role("link", name="办理").click()
    expect(page.get_by_role("heading", name="窗口业务详情")).to_be_visible()
    page.get_by_role("link", name="← 返回窗口业务").click()
    expect(pager).to_contain_text(f"第 {last} / {last} 页")
    expect(newest).to_be_visible()
    page.get_by_role("button", name="上一页").click()
    expect(pager).to_contain_text(f"第 {last - 1} / {last} 页")


def test_a_reviewer_is_refused_the_counter(app_server, new_page):
    _create_staff(app_server, REVIEWER, "reviewer", "审核员 测试", REVIEWER_PASSWORD)
    page = new_page(VIEWPORTS["desktop"])
    _sign_in(page, app_server, REVIEWER, REVIEWER_PASSWORD)
    expect(page.get_by_role("banner").get_by_role("link", name="窗口业务")).to_have_count(0)
    for path, heading in (("/staff/counter", "窗口业务"), ("/staff/counter/person", "人员信息变更"),
                          ("/staff/counter/import", "参保数据导入")):
        page.goto(app_server.url + path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.locator("#error-summary")).to_contain_text("仅窗口经办人员可以办理此业务")
        # Nothing to work with is drawn: no queue, no lookup, no upload.
        expect(page.locator("#counter-tasks")).to_have_count(0)
        expect(page.get_by_label("身份证号码")).to_have_count(0)
        expect(page.locator("#registry-extract")).to_have_count(0)
