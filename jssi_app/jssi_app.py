"""The app: theme, pages and routes — nothing else."""

from __future__ import annotations

import reflex as rx

import jssi_app.models  # noqa: F401  (tables must be registered for migrations)
from jssi_app import routes
from jssi_app.api import api
from jssi_app.components import browser_notices
from jssi_app.config import settings
from jssi_app.http_security import secure
from jssi_app.pages.admin import register_admin_pages
from jssi_app.pages.contributions import register_contribution_pages
from jssi_app.pages.agreements import privacy_policy_page, user_agreement_page
from jssi_app.pages.counter import register_counter_pages
from jssi_app.pages.face import register_face_pages
from jssi_app.pages.help import register_help_pages
from jssi_app.pages.login import login_page
from jssi_app.pages.outbox import outbox_page
from jssi_app.pages.password_reset import forgot_password_page, reset_password_page
from jssi_app.pages.person import home_page, profile_page
from jssi_app.pages.unit import register_unit_pages
from jssi_app.pages.unit_business import register_unit_business_pages
from jssi_app.pages.unit_certificates import register_ca_pages
from jssi_app.pages.staff import register_staff_pages
from jssi_app.pages.staff_login import register_staff_login_page
from jssi_app.pages.registration import register_choice_page, register_done_page, register_person_page
from jssi_app.state.errors import backend_exception_handler, frontend_exception_handler
from jssi_app.state.event_guard import EventTypeGuard
from jssi_app.state.login import LoginState
from jssi_app.state.outbox import OutboxState
from jssi_app.state.password_reset import ForgotPasswordState
from jssi_app.state.person import PersonState
from jssi_app.state.registration import RegistrationState

TITLE = "江苏社保网上服务大厅"

app = rx.App(
    stylesheets=["/styles.css", "/browser-notices.css"],
    head_components=[rx.el.meta(name="viewport", content="width=device-width, initial-scale=1"),
                     browser_notices.check_script()],
    html_lang="zh-CN",  # screen readers pick their voice by it (Reflex's default is "en")
    backend_exception_handler=backend_exception_handler,
    frontend_exception_handler=frontend_exception_handler,
    # Our file routes, then the security headers and websocket Origin check around everything (frontend too).
    api_transformer=[api, secure],
)
# Reflex's connection toast and icon are English; ours is a Chinese status banner (components/browser_notices.py).
app.app_wraps[5, "Overlay"] = lambda stateful: browser_notices.overlay()
app.add_middleware(EventTypeGuard())  # websocket events with mistyped arguments never reach a handler

app.add_page(login_page, route=routes.INDEX, title=f"登录 - {TITLE}", on_load=LoginState.on_load)
app.add_page(login_page, route=routes.LOGIN, title=f"登录 - {TITLE}", on_load=LoginState.on_load)
app.add_page(register_choice_page, route=routes.REGISTER, title=f"注册 - {TITLE}")
app.add_page(register_person_page, route=routes.REGISTER_PERSON, title=f"个人用户注册 - {TITLE}",
             on_load=RegistrationState.on_load)
app.add_page(register_done_page, route=routes.REGISTER_PERSON_DONE, title=f"注册成功 - {TITLE}")
app.add_page(home_page, route=routes.HOME, title=f"个人业务 - {TITLE}", on_load=PersonState.load_home)
app.add_page(profile_page, route=routes.PROFILE_COMPLETE, title=f"完善个人信息 - {TITLE}", on_load=PersonState.load_profile)
app.add_page(forgot_password_page, route=routes.FORGOT_PASSWORD, title=f"忘记密码 - {TITLE}",
             on_load=ForgotPasswordState.on_load)
app.add_page(reset_password_page, route=routes.RESET_PASSWORD, title=f"重置密码 - {TITLE}",
             on_load=ForgotPasswordState.open_link)
app.add_page(user_agreement_page, route=routes.USER_AGREEMENT, title=f"用户协议 - {TITLE}")
app.add_page(privacy_policy_page, route=routes.PRIVACY_POLICY, title=f"隐私政策 - {TITLE}")
register_unit_pages(app)
register_unit_business_pages(app)
register_admin_pages(app)
register_staff_pages(app)
register_staff_login_page(app)
register_counter_pages(app)
register_contribution_pages(app)
register_face_pages(app)
register_ca_pages(app)
register_help_pages(app)
if not settings().is_prod:
    app.add_page(outbox_page, route=routes.DEV_OUTBOX, title=f"发件箱（仅开发环境） - {TITLE}", on_load=OutboxState.load)
