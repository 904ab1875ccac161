"""待遇认证 → 人脸识别认证 in a real browser with real photos: a clerk enrols the reference photo at
窗口经办 → 采集参保登记照片, the retired person registers, follows the menu from the personal home and certifies by
uploading a photo (1280×800 and 390×844) or with the camera (Chromium's fake camera playing a video made from
the same portrait). A photo of somebody else is refused as not the same person."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from jssi_app.domain.face_certification import month_text, valid_until
from tests import face_photos
from tests.app_process import CHROMIUM_ARGS, chromium_executable
from tests.e2e.conftest import ROOT, VIEWPORTS, shot
from tests.e2e.test_personal_account import fill_registration, get_code

pytestmark = pytest.mark.e2e

CLERK, CLERK_PASSWORD = "face.clerk", "Counter2026ok"
PASSWORD = "Jssi2026pw"
# Retirees of the e2e demo registry used here (other e2e modules use 职工).
RETIREE_INDEX = {"desktop": 2, "phone": 3, "camera": 4}
PHONES = {"desktop": "13605170101", "phone": "13605170102", "camera": "13605170103"}


def _expected_valid_until() -> str:
    return month_text(valid_until(dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()))


@pytest.fixture(scope="module")
def clerk(app_server):
    created = subprocess.run(
        [sys.executable, "-m", "jssi_app", "staff", "create", "--username", CLERK, "--role", "clerk",
         "--display-name", "钱窗口"],
        cwd=ROOT, env=app_server.env, input=CLERK_PASSWORD + "\n", capture_output=True, text=True, check=False,
    )
    assert created.returncode == 0, created.stderr
    return CLERK


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("face-photos")
    files = {
        "reference": face_photos.jpeg(face_photos.astronaut()),
        # What the person uploads: the same portrait, turned and re-compressed as a phone would.
        "same": face_photos.transformed_astronauts()["exif_rotated"],
        "other": face_photos.jpeg(face_photos.grace_hopper()),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.jpg"
        paths[name].write_bytes(content)
    paths["video"] = folder / "astronaut.y4m"
    face_photos.y4m(face_photos.astronaut(), paths["video"])
    return paths


def enrol_reference(page, app, id_number: str, photo) -> None:
    """窗口经办: sign in (sent back to the page after), find the person by ID number, upload the photo."""
    page.goto(app.url + "/staff/counter/face-reference")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(CLERK)
    page.get_by_label("密码").fill(CLERK_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="采集参保登记照片")).to_be_visible()
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("未采集")).to_be_visible()
    expect(page.get_by_text("退休人员").first).to_be_visible()
    page.locator("#reference-upload input[type=file]").set_input_files(str(photo))
    expect(page.get_by_text("参保登记照片已采集。")).to_be_visible()
    expect(page.get_by_text(re.compile(r"已采集（"))).to_be_visible()
    photo_img = page.locator("#reference-photo")
    expect(photo_img).to_be_visible()
    # The photo really loads (served by the staff-only route), it is not a broken image.
    page.wait_for_function("document.getElementById('reference-photo').naturalWidth > 0")
    shot(page, f"face-clerk-enrolled-{id_number[-4:]}")


def register_and_open_certification(page, code_page, app, person: dict, phone: str, label: str) -> None:
    """Registers the retiree, logs in, completes the profile, then 待遇认证 → 人脸识别认证 from the home page."""
    page.goto(app.url + "/register/person")
    expect(page.get_by_role("heading", name="个人用户注册")).to_be_visible()
    fill_registration(page, name=person["name"], id_number=person["id_number"], phone=phone, password=PASSWORD)
    page.get_by_label("验证码", exact=True).fill(get_code(page, code_page, app, phone))
    page.get_by_label("我已阅读并同意用户协议和隐私政策").check()
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()
    page.get_by_role("button", name="去登录").click()
    expect(page.get_by_role("heading", name="个人用户登录")).to_be_visible()
    page.get_by_label("身份证号码").fill(person["id_number"])
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="完善个人信息")).to_be_visible()
    # The form remounts when the registry's 户籍地址 arrives: fill only after that.
    expect(page.get_by_label("户籍地址")).not_to_have_value("")
    page.get_by_label("联系地址").fill("南京市鼓楼区北京西路10号")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()
    entry = page.get_by_role("region", name="待遇认证")
    expect(entry.get_by_text("待遇认证 → 人脸识别认证")).to_be_visible()
    expect(entry.get_by_text("待认证")).to_be_visible()
    shot(page, f"face-{label}-01-home")
    entry.get_by_role("link", name="人脸识别认证").click()
    expect(page.get_by_role("heading", name="人脸识别认证", exact=True)).to_be_visible()
    expect(page.get_by_text("今日剩余在线认证次数")).to_be_visible()


@pytest.mark.parametrize("label", ["desktop", "phone"])
def test_retiree_certifies_by_uploading_a_photo(app_server, new_page, clerk, photo_files, label):
    app = app_server
    person = app.persons("退休人员")[RETIREE_INDEX[label]]
    enrol_reference(new_page(VIEWPORTS["desktop"]), app, person["id_number"], photo_files["reference"])

    page, code_page = new_page(VIEWPORTS[label]), new_page(VIEWPORTS[label])
    register_and_open_certification(page, code_page, app, person, PHONES[label], label)
    shot(page, f"face-{label}-02-page")
    upload = page.locator("#face-upload input[type=file]")

    # Somebody else's photo: refused, one try used.
    upload.set_input_files(str(photo_files["other"]))
    outcome = page.locator("#face-outcome")
    expect(outcome).to_contain_text("与参保登记照片不一致")
    expect(outcome).to_contain_text("今日还可在线认证2次")
    shot(page, f"face-{label}-03-mismatch")

    upload.set_input_files(str(photo_files["same"]))
    expect(outcome).to_contain_text("认证成功")
    expect(outcome).to_contain_text(f"有效期至{_expected_valid_until()}")
    expect(page.locator("#face-status")).to_contain_text("已认证")
    # Certified: no more camera or upload on the page.
    expect(page.locator("#face-upload")).to_have_count(0)
    shot(page, f"face-{label}-04-certified")

    page.get_by_role("link", name="个人业务").click()
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()
    status = page.locator("#face-home-status")
    expect(status).to_contain_text("已认证")
    expect(status).to_contain_text(f"有效期至{_expected_valid_until()}")


def test_a_person_who_is_not_retired_is_told_why_not(app_server, new_page):
    page, code_page = new_page(), new_page()
    person = app_server.persons("职工")[40]
    page.goto(app_server.url + "/register/person")
    fill_registration(page, name=person["name"], id_number=person["id_number"],
                      phone="13605170104", password=PASSWORD)
    page.get_by_label("验证码", exact=True).fill(get_code(page, code_page, app_server, "13605170104"))
    page.get_by_label("我已阅读并同意用户协议和隐私政策").check()
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_role("heading", name="注册成功")).to_be_visible()
    page.get_by_role("button", name="去登录").click()
    page.get_by_label("身份证号码").fill(person["id_number"])
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="完善个人信息")).to_be_visible()
    # The form remounts when the registry's 户籍地址 arrives: fill only after that.
    expect(page.get_by_label("户籍地址")).not_to_have_value("")
    page.get_by_label("联系地址").fill("南京市鼓楼区北京西路12号")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_role("heading", name="个人业务")).to_be_visible()
    page.get_by_role("region", name="待遇认证").get_by_role("link", name="人脸识别认证").click()
    expect(page.get_by_role("heading", name="人脸识别认证", exact=True)).to_be_visible()
    expect(page.locator("#face-reason")).to_contain_text("无需办理")
    expect(page.get_by_role("button", name="开启摄像头")).to_have_count(0)


@pytest.fixture
def camera_browser(browser, photo_files):
    """A second Chromium whose camera is a video of the reference portrait (no permission prompt)."""
    cam = browser.browser_type.launch(executable_path=chromium_executable(), args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={photo_files['video']}",
    ])
    yield cam
    cam.close()


def test_retiree_certifies_with_the_camera(app_server, new_page, clerk, photo_files, camera_browser):
    app = app_server
    person = app.persons("退休人员")[RETIREE_INDEX["camera"]]
    enrol_reference(new_page(VIEWPORTS["desktop"]), app, person["id_number"], photo_files["reference"])

    ctx = camera_browser.new_context(viewport=VIEWPORTS["phone"], locale="zh-CN")
    ctx.set_default_timeout(20_000)
    try:
        page, code_page = ctx.new_page(), new_page()
        register_and_open_certification(page, code_page, app, person, PHONES["camera"], "camera")
        page.get_by_role("button", name="开启摄像头").click()
        expect(page.locator("#face-video")).to_be_visible()
        page.wait_for_function("document.getElementById('face-video').videoWidth > 0")
        shot(page, "face-camera-01-preview")
        page.get_by_role("button", name="拍照认证").click()
        outcome = page.locator("#face-outcome")
        expect(outcome).to_contain_text("认证成功")
        expect(outcome).to_contain_text(f"有效期至{_expected_valid_until()}")
        shot(page, "face-camera-02-certified")
        # The camera is switched off after success.
        page.wait_for_function("!document.getElementById('face-video') || !document.getElementById('face-video').srcObject")
    finally:
        ctx.close()
