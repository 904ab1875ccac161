"""帮助中心 content: the registration guides, the 相关操作指引 table, the FAQs and the notes beside each form.

The texts are the seed guide's own words (江苏社保网注册流程及注意事项), so a person who read the official guide
finds the same sentences here. Every link names a route constant from `jssi_app.routes` (plain strings, no
framework), so a test can check that each one leads to a page or file the app serves.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from jssi_app import routes
from jssi_app.domain.passwords import PASSWORD_RULE_TEXT
from jssi_app.domain.review import MATERIAL_HINTS, MATERIAL_LABELS, REQUIRED_MATERIALS


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    is_file: bool = False  # a file the server sends (a PDF), not a page: opened outside the app's router


@dataclass(frozen=True)
class GuideStep:
    title: str
    text: str
    links: tuple[Link, ...]
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guide:
    key: str
    title: str
    route: str
    intro: str
    steps: tuple[GuideStep, ...]


@dataclass(frozen=True)
class OperationPath:
    user_type: str  # the seed's 用户类型 column
    account_kind: str  # who must be signed in to use it: "person" or "unit"
    function: str  # 功能模块
    path: str  # 操作路径, as the seed writes it
    target: str  # the page that does it


@dataclass(frozen=True)
class Faq:
    key: str
    question: str
    answer: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Note:
    key: str
    title: str
    lines: tuple[str, ...]
    links: tuple[Link, ...] = ()


CONTACT = Link("查看各地社保经办机构地址和电话", routes.HELP_CONTACT)
LETTER_TEMPLATE = Link("下载单位授权委托书模板（PDF）", routes.AUTHORIZATION_LETTER_TEMPLATE, is_file=True)

# -- 办事指南 ------------------------------------------------------------------------------------------

PERSON_GUIDE = Guide(
    key="person",
    title="个人用户注册流程",
    route=routes.HELP_GUIDE_PERSON,
    intro="个人用户主要面向参保职工、灵活就业人员等。注册后可便捷查询社保缴费记录、办理业务、获取政策信息等。",
    steps=(
        GuideStep(
            "访问官网",
            "进入江苏省人力资源和社会保障厅网上服务大厅的登录页面。",
            (Link("打开登录页面", routes.LOGIN),),
        ),
        GuideStep(
            "选择注册类型",
            "在登录页面下方，找到“注册”按钮，点击后进入注册类型选择界面，选择“个人用户注册”，进入注册信息填写页面。",
            (Link("注册", routes.REGISTER),),
        ),
        GuideStep(
            "填写基本信息",
            "按页面提示如实填写以下信息，填写完成后，点击“获取手机验证码”，输入收到的6位验证码，"
            "勾选“我已阅读并同意用户协议和隐私政策”，点击“提交注册”。",
            (Link("个人用户注册", routes.REGISTER_PERSON), Link("用户协议", routes.USER_AGREEMENT),
             Link("隐私政策", routes.PRIVACY_POLICY)),
            items=(
                "姓名：与身份证件一致的姓名；",
                "身份证号码：18位身份证号码，系统会自动校验格式；",
                "手机号码：用于接收验证码和后续登录，需为本人实名认证手机号；",
                "电子邮箱：可选，用于找回密码或接收通知；",
                "设置登录密码：需包含字母、数字且长度8-20位，建议使用复杂密码提高安全性；",
                "确认密码：再次输入密码确保一致。",
            ),
        ),
        GuideStep(
            "实名认证",
            "提交信息后，系统会进行实名校验，若身份证信息与社保系统记录一致，则认证通过，注册成功；"
            "若提示信息不一致，需携带本人身份证原件到社保经办机构更新信息后再注册。",
            (Link("个人用户注册", routes.REGISTER_PERSON), CONTACT),
        ),
        GuideStep(
            "登录与完善信息",
            "注册成功后，使用身份证号和密码登录网上服务大厅，首次登录需补充个人相关信息，如户籍地址、联系地址等，"
            "完成后即可使用查询、打印等基础功能。",
            (Link("个人用户登录", routes.LOGIN), Link("完善个人信息", routes.PROFILE_COMPLETE)),
        ),
    ),
)

UNIT_GUIDE = Guide(
    key="unit",
    title="单位用户注册流程",
    route=routes.HELP_GUIDE_UNIT,
    intro="单位用户为企业、机关事业单位等用人单位。单位用户注册需先获取“单位统一社会信用代码”，注册流程相对复杂。",
    steps=(
        GuideStep(
            "访问官网并选择注册类型",
            "与个人用户相同，进入江苏社保网登录页面，点击“注册”，选择“单位用户注册”。",
            (Link("注册", routes.REGISTER),),
        ),
        GuideStep(
            "填写单位基本信息",
            "填写完毕后获取手机验证码，提交注册申请。",
            (Link("单位用户注册", routes.REGISTER_UNIT),),
            items=(
                "单位名称：与营业执照或登记证一致的完整名称；",
                "统一社会信用代码：18位统一社会信用代码；",
                "法定代表人身份证号：用于验证单位授权信息；",
                "经办人信息：包括姓名、身份证号、手机号、电子邮箱等，经办人需为单位负责社保工作人员；",
                "设置登录密码：单位系统密码需符合复杂度要求，建议由经办人妥善保管。",
            ),
        ),
        GuideStep(
            "上传资质材料",
            "需在线上传以下材料扫描件或清晰照片。材料要求真实有效，若上传材料不清晰或信息不全，可能导致审核失败。",
            (Link("单位用户登录后上传", routes.UNIT_HOME),
             LETTER_TEMPLATE),
            items=tuple(f"{MATERIAL_LABELS[k]}（{MATERIAL_HINTS[k]}）；" for k in REQUIRED_MATERIALS),
        ),
        GuideStep(
            "等待审核",
            "提交材料后，社保经办机构会在1-3个工作日内进行审核，可通过登录页面点击“审核进度查询”查看结果，"
            "审核通过后，单位用户即可登录系统办理人员增减、缴费申报等业务；审核未通过的，需根据反馈意见修改材料后重新提交。",
            (Link("审核进度查询", routes.PROGRESS_QUERY), Link("单位用户登录", routes.LOGIN_UNIT)),
        ),
        GuideStep(
            "单位CA证书办理（可选）",
            "若需办理高频业务（如社保缴费、待遇申领等），建议办理单位CA数字证书，CA证书需携带单位营业执照、"
            "法定代表人及经办人身份证原件到社保经办机构或指定服务点申请，办理成功后可通过CA证书登录，提高操作安全性和便捷性。",
            (CONTACT, Link("单位用户登录（使用CA证书登录）", routes.LOGIN_UNIT)),
        ),
    ),
)

GUIDES: tuple[Guide, ...] = (PERSON_GUIDE, UNIT_GUIDE)

# -- 相关操作指引 ----------------------------------------------------------------------------------------

OPERATION_PATHS: tuple[OperationPath, ...] = (
    OperationPath("个人用户", "person", "社保缴费记录查询", "登录后→“个人业务”→“缴费查询”→选择时间段→查询并打印",
                  routes.CONTRIBUTIONS),
    OperationPath("个人用户", "person", "养老待遇资格认证", "登录后→“待遇认证”→“人脸识别认证”→按提示完成操作",
                  routes.FACE_CERTIFICATION),
    OperationPath("单位用户", "unit", "员工参保登记", "登录后→“单位业务”→“参保管理”→“人员新增”→填写员工信息→提交",
                  routes.UNIT_EMPLOYEE_ADD),
    OperationPath("单位用户", "unit", "社保缴费申报", "登录后→“单位业务”→“缴费申报”→“缴费基数申报”→录入基数→提交",
                  routes.UNIT_BASE_DECLARATION),
)

_LOGIN_WITH_NEXT = {"person": routes.login_with_next, "unit": routes.unit_login_with_next}


def operation_path_links(account_kind: str | None) -> list[dict[str, str]]:
    """The table's rows with where each leads: straight to the function for someone signed in as that kind of
    user, otherwise to that kind's login page, which returns to the function afterwards."""
    rows = []
    for p in OPERATION_PATHS:
        signed_in = account_kind == p.account_kind
        rows.append({
            "user_type": p.user_type,
            "function": p.function,
            "path": p.path,
            "href": p.target if signed_in else _LOGIN_WITH_NEXT[p.account_kind](p.target),
            "action": "去办理" if signed_in else "登录后办理",
        })
    return rows


# -- 常见问题 -------------------------------------------------------------------------------------------

FAQS: tuple[Faq, ...] = (
    # The seed's 相关问答FAQs, word for word.
    Faq(
        "id-mismatch",
        "注册时提示“身份证号与社保系统信息不一致”怎么办？",
        "这种情况可能是由于身份证信息变更（如15位升18位）、姓名或身份证号录入错误，或社保系统中无您的参保记录，"
        "首先检查填写的身份证号是否正确，确认无误后，若为个人用户，请携带本人身份证原件到参保地社保经办机构更新信息；"
        "若为单位用户，需由单位经办人携带营业执照、员工身份证复印件到经办机构办理信息维护，更新后再尝试注册。",
        (CONTACT, Link("个人用户注册", routes.REGISTER_PERSON)),
    ),
    Faq(
        "review-time",
        "单位注册审核需要多长时间？审核失败如何处理？",
        "单位注册审核时间为1-3个工作日，具体时间可能因经办机构工作量有所调整，审核失败后，系统会反馈具体原因"
        "（如材料不清晰、信息填写错误等），单位经办人需登录系统查看审核意见，按要求修改材料并重新上传，确保材料真实、完整、清晰，"
        "若多次审核失败，可联系参保地社保经办机构咨询，电话可通过官网“联系我们”栏目查询。",
        (Link("审核进度查询", routes.PROGRESS_QUERY), Link("单位用户登录，查看审核意见", routes.LOGIN_UNIT),
         Link("联系我们", routes.HELP_CONTACT)),
    ),
    # From the seed's 注册注意事项 and 注册流程, asked as questions.
    Faq(
        "forgot-password",
        "忘记密码怎么办？",
        "若忘记密码，可在登录页面点击“忘记密码”，通过身份证号、手机号或邮箱找回。",
        (Link("忘记密码", routes.FORGOT_PASSWORD),),
    ),
    Faq(
        "phone-lost",
        "手机号已停用或无法接收验证码怎么办？",
        "若手机号已停用或无法接收验证码，需携带本人身份证到社保经办机构办理手机号变更。",
        (CONTACT,),
    ),
    Faq(
        "credit-code-changed",
        "单位的统一社会信用代码变更了怎么办？",
        "单位注册时若统一社会信用代码变更，需先到市场监管部门完成变更登记，再重新提交注册申请。",
        (Link("单位用户注册", routes.REGISTER_UNIT),),
    ),
    Faq(
        "unit-materials",
        "单位注册需要上传哪些材料？",
        "需在线上传以下材料扫描件或清晰照片："
        + "；".join(f"{MATERIAL_LABELS[k]}（{MATERIAL_HINTS[k]}）" for k in REQUIRED_MATERIALS)
        + "。材料要求真实有效，若上传材料不清晰或信息不全，可能导致审核失败。",
        (LETTER_TEMPLATE,
         Link("单位用户注册流程", routes.HELP_GUIDE_UNIT)),
    ),
    Faq(
        "first-login",
        "首次登录为什么要补充户籍地址、联系地址？",
        "注册成功后，使用身份证号和密码登录网上服务大厅，首次登录需补充个人相关信息，如户籍地址、联系地址等，"
        "完成后即可使用查询、打印等基础功能。",
        (Link("完善个人信息", routes.PROFILE_COMPLETE),),
    ),
    Faq(
        "scope",
        "注册成功后可以办理哪些业务？",
        "注册成功后，个人用户可办理社保查询、缴费记录打印、待遇资格认证等业务；单位用户可办理员工参保登记、缴费基数申报、"
        "社保增减员等业务，部分复杂业务（如退休审批、工伤认定等）仍需到社保经办窗口办理。",
        (Link("缴费查询", routes.CONTRIBUTIONS), Link("人脸识别认证", routes.FACE_CERTIFICATION),
         Link("操作指引", routes.HELP_PATHS), CONTACT),
    ),
    Faq(
        "unit-ca",
        "单位CA数字证书有什么用？如何办理？",
        "若需办理高频业务（如社保缴费、待遇申领等），建议办理单位CA数字证书，CA证书需携带单位营业执照、法定代表人及经办人身份证原件"
        "到社保经办机构或指定服务点申请，办理成功后可通过CA证书登录，提高操作安全性和便捷性。",
        (CONTACT, Link("单位用户登录", routes.LOGIN_UNIT)),
    ),
)


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and letters (１５位 → 15位) and casefold ignores case, as people type either.
    return unicodedata.normalize("NFKC", text).casefold()


def search_faqs(query: str, faqs: tuple[Faq, ...] = FAQS) -> list[Faq]:
    """FAQs whose question or answer contains every word of the query (words split on spaces), in list order.
    An empty query finds them all."""
    words = _normalise(query).split()
    return [f for f in faqs if all(w in _normalise(f.question + f.answer) for w in words)]


# -- 注意事项 beside the forms ---------------------------------------------------------------------------
# Their link texts differ from the links the forms already have (忘记密码, 审核进度查询), so that a link's name
# says where it goes once per page.

_PASSWORD_RULE = "登录密码：" + PASSWORD_RULE_TEXT + "。"

NOTES: dict[str, Note] = {n.key: n for n in (
    Note("browser", "浏览器兼容性", (
        "推荐使用Chrome、Firefox、Edge等主流浏览器，并启用JavaScript和Cookies功能，避免因浏览器不兼容导致页面无法正常显示。",
    )),
    Note("accuracy", "信息准确性", (
        "注册时填写的身份证号、手机号等信息必须真实准确，否则会影响后续业务办理，手机号需保持畅通，用于接收验证码和重要通知。",
    )),
    Note("own-phone", "为什么必须是本人手机号", (
        "手机号码用于接收验证码和后续登录，需为本人实名认证手机号。",
        "找回密码、审核结果等重要通知都发送到这个号码；若手机号已停用或无法接收验证码，需携带本人身份证到社保经办机构办理手机号变更。",
    ), (CONTACT,)),
    Note("password-rule", "登录密码要求", (_PASSWORD_RULE, "建议使用复杂密码提高安全性。")),
    Note("unit-password-rule", "登录密码要求", (
        _PASSWORD_RULE, "单位系统密码需符合复杂度要求，不能包含统一社会信用代码，建议由经办人妥善保管。",
    )),
    Note("password-safety", "密码安全", (
        "密码应避免使用简单组合（如123456、生日等），建议定期更换密码，不要将密码告知他人，防止账号被盗用。",
    )),
    Note("special-cases", "特殊情况处理", (
        "若忘记密码，可在登录页面点击“忘记密码”，通过身份证号、手机号或邮箱找回；",
        "若手机号已停用或无法接收验证码，需携带本人身份证到社保经办机构办理手机号变更；",
        "注册时若提示“身份证号与社保系统信息不一致”，需携带本人身份证原件到社保经办机构更新信息后再注册。",
    ), (Link("找回登录密码", routes.FORGOT_PASSWORD), CONTACT)),
    Note("unit-special-cases", "特殊情况处理", (
        "单位注册时若统一社会信用代码变更，需先到市场监管部门完成变更登记，再重新提交注册申请。",
        "经办人需为单位负责社保工作人员。",
    )),
    Note("scope", "业务办理范围", (
        "注册成功后，个人用户可办理社保查询、缴费记录打印、待遇资格认证等业务；单位用户可办理员工参保登记、缴费基数申报、"
        "社保增减员等业务，部分复杂业务（如退休审批、工伤认定等）仍需到社保经办窗口办理。",
    ), (Link("操作指引", routes.HELP_PATHS),)),
    Note("unit-materials", "资质材料要求", (
        "需在线上传以下材料扫描件或清晰照片：",
        *(f"{MATERIAL_LABELS[k]}（{MATERIAL_HINTS[k]}）；" for k in REQUIRED_MATERIALS),
        "材料要求真实有效，若上传材料不清晰或信息不全，可能导致审核失败。",
    ), (LETTER_TEMPLATE,)),
    Note("unit-review", "审核时间", (
        "提交材料后，社保经办机构会在1-3个工作日内进行审核，可通过登录页面点击“审核进度查询”查看结果；"
        "审核未通过的，需根据反馈意见修改材料后重新提交。",
    ), (Link("查询审核进度", routes.PROGRESS_QUERY),)),
    Note("addresses", "户籍地址和联系地址", (
        "首次登录需补充个人相关信息，如户籍地址、联系地址等，完成后即可使用查询、打印等基础功能。",
        "户籍地址与户口簿一致；联系地址填写目前居住或接收邮件的地址。",
    )),
    Note("employee-accuracy", "员工信息准确性", (
        "员工的姓名和身份证号码须与员工身份证件一致，否则会影响后续业务办理。",
        "提示“身份证号与社保系统信息不一致”的，需由单位经办人携带营业执照、员工身份证复印件到经办机构办理信息维护。",
    ), (CONTACT,)),
    Note("counter-only", "需到窗口办理的业务", (
        "调减的缴费基数按规定需到社保经办窗口办理，办结后生效。",
        "部分复杂业务（如退休审批、工伤认定等）仍需到社保经办窗口办理。",
    ), (CONTACT,)),
)}

# Which notes stand beside which form, most specific first.
FORM_NOTES: dict[str, tuple[str, ...]] = {
    "register_person": ("own-phone", "password-rule", "accuracy", "special-cases", "browser", "scope"),
    "register_unit": ("unit-materials", "unit-review", "unit-password-rule", "accuracy", "unit-special-cases",
                      "browser"),
    "unit_materials": ("unit-materials", "unit-review", "unit-special-cases"),
    "login_person": ("special-cases", "password-safety", "browser"),
    "login_unit": ("unit-review", "password-safety", "unit-special-cases", "browser"),
    "progress_query": ("unit-review", "own-phone"),
    "forgot_password": ("special-cases", "own-phone", "password-safety"),
    "reset_password": ("password-rule", "password-safety"),
    "profile": ("addresses", "accuracy", "scope"),
    "employee_add": ("employee-accuracy", "scope"),
    "base_declaration": ("counter-only",),
}


def notes_for(form_key: str) -> tuple[Note, ...]:
    return tuple(NOTES[k] for k in FORM_NOTES[form_key])
