"""The project's own deterministic demo registry extract (persons.csv, units.csv, contributions.csv).

Written in exactly the import format of the provincial registry (see registry_import.py), so the
demo goes through the same importer as real data. Everything is synthetic; the same seed and
`today` always give byte-identical files, which keeps the documented demo identities stable.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from jssi_app.domain.credit_codes import ALPHABET, credit_code_check_char, org_code_check_char
from jssi_app.domain.identifiers import check_digit
from jssi_app.services.registry_import import CONTRIBUTION_COLUMNS, PERSON_COLUMNS, UNIT_COLUMNS


@dataclass(frozen=True)
class DemoIdentity:
    key: str
    label: str
    id_number: str  # what the person types at registration (18 characters)
    name: str  # what the person types at registration
    phone: str  # the phone the person types at registration
    note: str


DEMO_IDENTITIES: tuple[DemoIdentity, ...] = (
    DemoIdentity(
        key="can_register",
        label="可正常注册的职工",
        id_number="320102199003074536",
        name="张伟明",
        phone="13812345678",
        note="南京市玄武区参保职工，连续缴费15年，参保库姓名与输入一致，可直接完成实名注册。",
    ),
    DemoIdentity(
        key="name_differs",
        label="姓名与参保库不一致",
        id_number="320106199208156020",
        name="李娜",
        phone="13912345678",
        note="参保库中登记的姓名为“李娜娜”，输入“李娜”时实名核验不通过，用于演示姓名不一致的提示。",
    ),
    DemoIdentity(
        key="legacy_15",
        label="参保库仅有15位旧身份证号码",
        id_number="320105196804122310",
        name="王建国",
        phone="13712345678",
        note="参保库只登记了15位旧号码 320105680412231，输入18位号码时提示需到经办机构办理号码升位。",
    ),
)

# The registry's own records behind the demo identities (where they differ from what is typed).
_DEMO_REGISTRY_NAME = {"can_register": "张伟明", "name_differs": "李娜娜", "legacy_15": "王建国"}
_DEMO_REGISTRY_ID = {
    "can_register": "320102199003074536",
    "name_differs": "320106199208156020",
    "legacy_15": "320105680412231",
}

# Demo units with fixed credit codes (valid GB 32100 check characters), written first to units.csv.
DEMO_UNIT_CODES: dict[str, str] = {
    "9132010213500827XQ": "南京紫金山软件科技有限公司",  # employer of can_register
    "91320106722605933Y": "南京金陵医疗器械有限公司",  # employer of name_differs
    "11320102014300274U": "南京市玄武区机关事务管理局",  # employer of legacy_15
    "123205054671230986": "苏州高新区枫湾实验学校",
    "513202115061374855": "无锡市滨湖区青年志愿者协会",
}
_DEMO_UNIT_DETAILS = {
    # uscc: (unit_type, region_code, address, insured_since)
    "9132010213500827XQ": ("企业", "320102", "南京市玄武区珠江路88号", "1998-03"),
    "91320106722605933Y": ("企业", "320106", "南京市鼓楼区中山北路201号", "2004-06"),
    "11320102014300274U": ("机关", "320102", "南京市玄武区北京东路41号", "1993-01"),
    "123205054671230986": ("事业单位", "320505", "苏州市虎丘区狮山路66号", "2001-09"),
    "513202115061374855": ("社会团体", "320211", "无锡市滨湖区梁溪路18号", "2012-05"),
}
_DEMO_EMPLOYER = {
    "can_register": "9132010213500827XQ",
    "name_differs": "91320106722605933Y",
    "legacy_15": "11320102014300274U",
}

# Jiangsu contribution base limits (yuan/month) used for every generated month.
BASE_MIN = Decimal("4494")
BASE_MAX = Decimal("24042")
# (personal, unit) rates for employees; 工伤 (410) has no personal share and a per-unit rate.
_EMPLOYEE_RATES = {
    "110": (Decimal("0.08"), Decimal("0.16")),
    "210": (Decimal("0.005"), Decimal("0.005")),
    "310": (Decimal("0.02"), Decimal("0.07")),
}
# Flexible workers pay both shares themselves, as the registry sample does: 8%+16% pension, 2%+7% medical.
_FLEX_RATES = {"110": Decimal("0.24"), "310": Decimal("0.09")}
# Industry-class 工伤 rates (0.2%–1.9%); offices, schools and associations are in the lowest class.
_INJURY_RATES = tuple(Decimal(r) for r in ("0.002", "0.004", "0.007", "0.009", "0.011", "0.013", "0.016", "0.019"))
_CENT = Decimal("0.01")

# Jiangsu districts: code, city prefix for addresses, weight (Nanjing and the south weigh more).
_JIANGSU = (
    ("320102", "南京市玄武区", 6), ("320104", "南京市秦淮区", 5), ("320105", "南京市建邺区", 5),
    ("320106", "南京市鼓楼区", 6), ("320111", "南京市浦口区", 3), ("320113", "南京市栖霞区", 3),
    ("320114", "南京市雨花台区", 3), ("320115", "南京市江宁区", 5), ("320211", "无锡市滨湖区", 4),
    ("320213", "无锡市梁溪区", 4), ("320214", "无锡市新吴区", 4), ("320303", "徐州市云龙区", 3),
    ("320402", "常州市天宁区", 3), ("320412", "常州市武进区", 3), ("320505", "苏州市虎丘区", 5),
    ("320506", "苏州市吴中区", 4), ("320508", "苏州市姑苏区", 5), ("320583", "苏州市昆山市", 4),
    ("320602", "南通市崇川区", 3), ("320706", "连云港市海州区", 2), ("320812", "淮安市清江浦区", 2),
    ("320902", "盐城市亭湖区", 2), ("321002", "扬州市广陵区", 3), ("321102", "镇江市京口区", 2),
    ("321202", "泰州市海陵区", 2), ("321302", "宿迁市宿城区", 2),
)
# Birthplaces outside Jiangsu (about 10% of persons): Anhui, Henan, Shandong and a few more.
_ELSEWHERE = (
    ("340102", "安徽省合肥市瑶海区", 4), ("340104", "安徽省合肥市蜀山区", 3), ("341202", "安徽省阜阳市颍州区", 2),
    ("410102", "河南省郑州市中原区", 3), ("410105", "河南省郑州市金水区", 3), ("411302", "河南省南阳市宛城区", 2),
    ("370102", "山东省济南市历下区", 3), ("370202", "山东省青岛市市南区", 2), ("510104", "四川省成都市锦江区", 2),
    ("110101", "北京市东城区", 1), ("330106", "浙江省杭州市西湖区", 1),
)
_XINJIANG = ("650102", "新疆维吾尔自治区乌鲁木齐市天山区")
_ROADS = (
    "中山路", "中山北路", "北京东路", "汉中路", "珠江路", "人民路", "解放路", "和平路", "长江路", "建设路",
    "学府路", "湖滨路", "太湖大道", "青年路", "新华路", "文化路", "工农路", "迎宾大道", "金陵路", "运河路",
)
_ESTATES = ("阳光花园", "金色家园", "翠竹苑", "锦绣华庭", "长江新村", "幸福里", "梧桐苑", "春江花园", "香樟园")

_SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周周徐徐孙马朱朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾"
    "肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈沈姚卢姜崔钟谭陆陆汪范金石廖贾夏韦傅方邹熊孟秦顾顾钱尤严华"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容")
_MALE_CHARS = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文斌晨峰亮博"
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英燕萍红梅琳雪颖倩婷慧晶佳欣怡雯洁琴蓉露媛思月璐瑶婉楠"
_MINORITY_NAMES = (
    ("买买提·艾力", "男"), ("艾力·吐尔逊", "男"), ("阿不都·热合曼", "男"), ("努尔兰·卡德尔", "男"),
    ("阿依古丽·买买提", "女"), ("古丽娜尔·吐尔逊", "女"), ("热依拉·艾山", "女"), ("迪丽努尔·阿不都", "女"),
)
_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "186", "187", "188",
    "189", "191", "193", "195", "198", "199",
)

_BRANDS = (
    "瑞源", "华信", "嘉源", "诚联", "恒通", "天成", "鑫达", "永盛", "博远", "明德", "新宇", "宏图", "金帆",
    "锦程", "长虹", "远航", "正泰", "汇丰", "晨光", "德润", "万通", "中科", "苏博", "澜海", "东方", "同创",
)
_INDUSTRIES = (
    "信息科技", "软件技术", "机械制造", "医药", "电子", "建设工程", "物流", "食品", "纺织", "商贸", "环保科技",
    "新材料", "精密仪器", "汽车零部件", "光电", "网络科技", "餐饮管理", "物业管理", "人力资源", "文化传媒",
)
_SHOPS = ("便利店", "面馆", "汽车维修部", "五金店", "理发店", "水果店", "小吃店", "家电维修部")
_OFFICES = ("城市管理局", "市场监督管理局", "住房和城乡建设局", "统计局", "民政局", "文化和旅游局", "商务局", "水务局")
_INSTITUTIONS = ("实验小学", "第一中学", "社区卫生服务中心", "图书馆", "文化馆", "妇幼保健院", "档案馆", "职业技术学校")
_ASSOCIATIONS = ("软件行业协会", "物流协会", "餐饮行业协会", "摄影家协会", "个体劳动者协会", "老年人体育协会")
# unit_type, credit-code prefix (authority + type), weight
_UNIT_KINDS = (("企业", "91", 80), ("个体工商户", "92", 5), ("机关", "11", 4), ("事业单位", "12", 6), ("社会团体", "51", 5))


@dataclass(frozen=True)
class DemoSummary:
    persons: int
    units: int
    contributions: int


@dataclass
class _Unit:
    uscc: str
    name: str
    unit_type: str
    legal_rep_name: str
    legal_rep_id: str
    region_code: str
    address: str
    insured_since: int  # month index
    status: str
    injury_rate: Decimal


@dataclass
class _Person:
    id_number: str
    name: str
    gender: str
    birth: dt.date
    phone: str
    hukou_address: str
    insured_region: str
    person_type: str
    insured_status: str
    first_insured: int  # month index
    base: Decimal  # base in the latest contribution year
    spells: list[tuple[_Unit | None, int, int]] = field(default_factory=list)  # (unit, first, last month)


def _month(year: int, month: int) -> int:
    return year * 12 + month - 1


def _fmt_month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _weighted(rng: random.Random, items: tuple) -> tuple:
    return rng.choices(items, weights=[it[-1] for it in items])[0]


class _Generator:
    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng = rng
        self.today = today
        # The latest complete month: contributions for the current month are not yet collected.
        self.last_month = _month(today.year, today.month) - 1
        self.used_ids: set[str] = set()
        self.used_unit_names: set[str] = set()
        self.reserved_phones = {d.phone for d in DEMO_IDENTITIES}
        for value in _DEMO_REGISTRY_ID.values():
            self._reserve_id(value)

    def _reserve_id(self, number: str) -> None:
        # A legacy number and its 18-digit upgrade are the same person: reserve both forms.
        self.used_ids.add(number)
        if len(number) == 15:
            first17 = number[:6] + "19" + number[6:]
            self.used_ids.add(first17 + check_digit(first17))

    # -- people --------------------------------------------------------------------------
    def name(self, gender: str) -> str:
        rng = self.rng
        surname = rng.choice(_COMPOUND_SURNAMES) if rng.random() < 0.015 else rng.choice(_SURNAMES)
        chars = _MALE_CHARS if gender == "男" else _FEMALE_CHARS
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        return surname + given

    def id_number(self, region: str, birth: dt.date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(0, 100) * 10 + self.rng.randrange(1 if gender == "男" else 0, 10, 2)
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_digit(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self, empty_share: float) -> str:
        if self.rng.random() < empty_share:
            return ""
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.reserved_phones:
                return number

    def address(self, prefix: str) -> str:
        rng = self.rng
        road = f"{prefix}{rng.choice(_ROADS)}{rng.randint(1, 399)}号"
        if rng.random() < 0.6:
            road += f"{rng.choice(_ESTATES)}{rng.randint(1, 30)}幢{rng.randint(1, 25)}0{rng.randint(1, 4)}室"
        return road

    def birth(self, oldest: int, youngest: int) -> dt.date:
        """A birth date giving an age between `youngest` and `oldest` years today."""
        start = dt.date(self.today.year - oldest - 1, self.today.month, 1)
        end = dt.date(self.today.year - youngest, self.today.month, 1)
        return start + dt.timedelta(days=self.rng.randrange((end - start).days))

    def base(self, person_type: str) -> Decimal:
        rng = self.rng
        if person_type == "灵活就业人员":
            # Flexible workers usually choose the lowest base or a little above it.
            raw = BASE_MIN if rng.random() < 0.5 else Decimal(rng.randint(4494, 9000))
        else:
            raw = Decimal(int(rng.lognormvariate(8.95, 0.4)))
        return self._clamp(raw)

    @staticmethod
    def _clamp(raw: Decimal) -> Decimal:
        value = min(max(raw, BASE_MIN), BASE_MAX)
        if BASE_MIN < value < BASE_MAX:
            value = (value / 10).quantize(Decimal(1), ROUND_HALF_UP) * 10
        return value.quantize(_CENT)

    # -- units ---------------------------------------------------------------------------
    def credit_code(self, prefix: str, region: str) -> str:
        body = "".join(self.rng.choice(ALPHABET) for _ in range(8))
        first17 = prefix + region + body + org_code_check_char(body)
        return first17 + credit_code_check_char(first17)

    def unit_name_candidate(self, unit_type: str, place: str) -> str:
        """A plausible name for a unit of `unit_type` in `place`, possibly one already taken."""
        rng = self.rng
        city, district = place.split("市", 1)[0] + "市", place.split("市", 1)[1]
        if unit_type == "企业":
            suffix = "有限责任公司" if rng.random() < 0.3 else "有限公司"
            return f"{city}{rng.choice(_BRANDS)}{rng.choice(_INDUSTRIES)}{suffix}"
        if unit_type == "个体工商户":
            return f"{city}{district}{rng.choice(_BRANDS)}{rng.choice(_SHOPS)}"
        if unit_type == "机关":
            return f"{city}{district}{rng.choice(_OFFICES)}"
        if unit_type == "事业单位":
            return f"{city}{district}{rng.choice(_INSTITUTIONS)}"
        return f"{city}{district}{rng.choice(_ASSOCIATIONS)}"

    def unit_name(self, unit_type: str, place: str) -> str:
        for _ in range(1000):
            name = self.unit_name_candidate(unit_type, place)
            if name not in self.used_unit_names:
                self.used_unit_names.add(name)
                return name
        raise RuntimeError("ran out of unit names")

    def legal_rep(self) -> tuple[str, str]:
        gender = "男" if self.rng.random() < 0.7 else "女"
        region = _weighted(self.rng, _JIANGSU)[0]
        return self.name(gender), self.id_number(region, self.birth(62, 32), gender)

    def units(self, count: int) -> list[_Unit]:
        rng = self.rng
        units: list[_Unit] = []
        for uscc, name in DEMO_UNIT_CODES.items():
            unit_type, region, address, since = _DEMO_UNIT_DETAILS[uscc]
            rep_name, rep_id = self.legal_rep()
            self.used_unit_names.add(name)
            units.append(
                _Unit(uscc, name, unit_type, rep_name, rep_id, region, address,
                      _month(int(since[:4]), int(since[5:])), "正常", self._injury_rate(unit_type))
            )
        used_codes = set(DEMO_UNIT_CODES)
        while len(units) < count:
            unit_type, prefix, _ = _weighted(rng, _UNIT_KINDS)
            region, place, _ = _weighted(rng, _JIANGSU)
            uscc = self.credit_code(prefix, region)
            if uscc in used_codes:
                continue
            used_codes.add(uscc)
            rep_name, rep_id = self.legal_rep()
            # A third of the units date from the 1990s so retirees' histories have employers.
            year = rng.randint(1993, 2001) if rng.random() < 0.35 else rng.randint(2002, self.today.year - 3)
            status = "注销" if rng.random() < 0.04 else "正常"
            units.append(
                _Unit(uscc, self.unit_name(unit_type, place), unit_type, rep_name, rep_id, region,
                      self.address(place), _month(year, rng.randint(1, 12)), status, self._injury_rate(unit_type))
            )
        return units

    def _injury_rate(self, unit_type: str) -> Decimal:
        if unit_type in ("企业", "个体工商户"):
            return self.rng.choice(_INJURY_RATES)
        return _INJURY_RATES[0]

    # -- persons -------------------------------------------------------------------------
    def history_months(self) -> int:
        # Most persons carry 24–36 months (keeps the first demo start fast); a few long histories.
        if self.rng.random() < 0.02:
            return self.rng.randint(120, 300)
        return self.rng.randint(24, 36)

    def pick_unit(self, units: list[_Unit], start: int, active: bool) -> _Unit:
        eligible = [u for u in units if u.insured_since <= start and (u.status == "正常" or not active)]
        if not eligible:
            eligible = [min(units, key=lambda u: u.insured_since)]
        return self.rng.choice(eligible)

    def person(self, person_type: str, units: list[_Unit]) -> _Person:
        rng = self.rng
        if rng.random() < 0.005:
            name, gender = rng.choice(_MINORITY_NAMES)
            region, place = _XINJIANG
        else:
            gender = "男" if rng.random() < 0.52 else "女"
            name = self.name(gender)
            region, place, _ = _weighted(rng, _ELSEWHERE if rng.random() < 0.10 else _JIANGSU)
        if person_type == "退休人员":
            retire_age = 60 if gender == "男" else rng.choice((50, 55))
            birth = self.birth(retire_age + 25, retire_age + 1)
            retired = _month(birth.year + retire_age, birth.month)
            end = min(retired - 1, self.last_month)
            status = "退休"
        elif person_type == "灵活就业人员":
            birth = self.birth(55 if gender == "男" else 48, 22)
            end, status = self.last_month, "正常参保"
        else:
            birth = self.birth(58 if gender == "男" else 49, 20)
            if rng.random() < 0.06:
                end, status = self.last_month - rng.randint(2, 18), "暂停参保"
            else:
                end, status = self.last_month, "正常参保"
        adult = _month(birth.year + 18, birth.month) + 1
        months = self.history_months()
        start = max(end - months + 1, adult)
        first_insured = max(adult, start - rng.choice((0, 0, rng.randint(1, 120))))
        spells: list[tuple[_Unit | None, int, int]] = []
        if person_type == "灵活就业人员":
            spells.append((None, start, end))
        elif end - start > 60 and rng.random() < 0.6:
            # A long career usually spans two employers.
            cut = rng.randint(start + 12, end - 12)
            spells.append((self.pick_unit(units, start, active=False), start, cut))
            spells.append((self.pick_unit(units, cut + 1, active=status == "正常参保"), cut + 1, end))
        else:
            spells.append((self.pick_unit(units, start, active=status == "正常参保"), start, end))
        # The fallback employer of a very early history may postdate its start: begin with the unit.
        spells = [(u, max(a, u.insured_since) if u else a, b) for u, a, b in spells]
        spells = [s for s in spells if s[1] <= s[2]]
        last_unit = spells[-1][0]
        insured_region = last_unit.region_code if last_unit else (region if region.startswith("32") else
                                                                   _weighted(rng, _JIANGSU)[0])
        return _Person(
            id_number=self.id_number(region, birth, gender),
            name=name,
            gender=gender,
            birth=birth,
            phone=self.phone(0.25 if person_type == "退休人员" else 0.08),
            hukou_address=self.address(place),
            insured_region=insured_region,
            person_type=person_type,
            insured_status=status,
            first_insured=first_insured,
            base=self.base(person_type),
            spells=spells,
        )

    def demo_person(self, key: str, units: list[_Unit]) -> _Person:
        by_code = {u.uscc: u for u in units}
        unit = by_code[_DEMO_EMPLOYER[key]]
        number = _DEMO_REGISTRY_ID[key]
        months = {"can_register": 180, "name_differs": 30, "legacy_15": 36}[key]
        start = self.last_month - months + 1
        gender = "男" if int(number[16 if len(number) == 18 else 14]) % 2 else "女"
        full = number if len(number) == 18 else number[:6] + "19" + number[6:]
        birth = dt.date(int(full[6:10]), int(full[10:12]), int(full[12:14]))
        identity = next(d for d in DEMO_IDENTITIES if d.key == key)
        return _Person(
            id_number=number,
            name=_DEMO_REGISTRY_NAME[key],
            gender=gender,
            birth=birth,
            phone=identity.phone,
            hukou_address=self.address(_place_of(number[:6])),
            insured_region=unit.region_code,
            person_type="职工",
            insured_status="正常参保",
            first_insured=start if key == "can_register" else start - 60,
            base={"can_register": Decimal("12800.00"), "name_differs": Decimal("8650.00"),
                  "legacy_15": Decimal("10400.00")}[key],
            spells=[(unit, start, self.last_month)],
        )

    def legacy_form(self, person: _Person) -> None:
        """Turn an 18-digit person (born 19xx) into a registry record never upgraded from 15 digits."""
        number = person.id_number
        person.id_number = number[:6] + number[8:17]
        self.used_ids.add(person.id_number)

    # -- contributions -------------------------------------------------------------------
    def contribution_rows(self, person: _Person) -> list[tuple[str, ...]]:
        rng = self.rng
        rows: list[tuple[str, ...]] = []
        latest_year = _contribution_year(self.last_month)
        # Newest month first and codes ascending within a month, as in the registry's own extracts.
        for unit, first, last in reversed(person.spells):
            for month in range(last, first - 1, -1):
                # Bases are set per contribution year (July–June) and grew about 5% a year.
                years_back = latest_year - _contribution_year(month)
                base = self._clamp(person.base / (Decimal("1.05") ** years_back))
                status = "欠缴" if rng.random() < 0.02 else "已实缴"
                period = _fmt_month(month)
                if unit is None:
                    for code, rate in _FLEX_RATES.items():
                        rows.append(
                            (person.id_number, period, code, "", str(base), _money(base * rate), "0.00", status)
                        )
                    continue
                for code, (personal, employer) in _EMPLOYEE_RATES.items():
                    rows.append((person.id_number, period, code, unit.uscc, str(base),
                                 _money(base * personal), _money(base * employer), status))
                rows.append((person.id_number, period, "410", unit.uscc, str(base), "0.00",
                             _money(base * unit.injury_rate), status))
        return rows


def _contribution_year(month: int) -> int:
    return (month - 6) // 12


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT, ROUND_HALF_UP))


def _place_of(region: str) -> str:
    for code, place, _ in _JIANGSU:
        if code == region:
            return place
    return "南京市玄武区"


def write_demo_extract(
    out_dir: Path,
    *,
    persons: int = 3000,
    units: int = 100,
    seed: int = 20261128,
    today: dt.date | None = None,
) -> DemoSummary:
    """Write persons.csv, units.csv and contributions.csv into `out_dir` (created if missing)."""
    if persons < len(DEMO_IDENTITIES):
        raise ValueError(f"persons must be at least {len(DEMO_IDENTITIES)} (the demo identities)")
    if units < len(DEMO_UNIT_CODES):
        raise ValueError(f"units must be at least {len(DEMO_UNIT_CODES)} (the fixed demo units)")
    if today is None:
        from jssi_app.adapters.clock import local_today

        today = local_today()
    rng = random.Random(seed)
    gen = _Generator(rng, today)
    unit_list = gen.units(units)

    others = persons - len(DEMO_IDENTITIES)
    # At least 20 retirees (face certification needs them), otherwise about the registry's shares.
    retirees = min(others, max(20, round(persons * 0.22)))
    flexible = min(others - retirees, round(persons * 0.09))
    types = ["退休人员"] * retirees + ["灵活就业人员"] * flexible + ["职工"] * (others - retirees - flexible)
    rng.shuffle(types)

    people = [gen.demo_person(d.key, unit_list) for d in DEMO_IDENTITIES]
    people += [gen.person(t, unit_list) for t in types]
    # About 3% legacy 15-digit records, only possible for people born in the 1900s.
    candidates = [i for i, p in enumerate(people) if i >= len(DEMO_IDENTITIES) and p.birth.year < 2000]
    for index in sorted(rng.sample(candidates, min(len(candidates), round(persons * 0.03)))):
        gen.legacy_form(people[index])

    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "units.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(UNIT_COLUMNS)
        for u in unit_list:
            writer.writerow((u.uscc, u.name, u.unit_type, u.legal_rep_name, u.legal_rep_id, u.region_code,
                             u.address, _fmt_month(u.insured_since), u.status))
    with open(out_dir / "persons.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PERSON_COLUMNS)
        for p in people:
            writer.writerow((p.id_number, p.name, p.gender, p.birth.isoformat(), p.phone, p.hukou_address,
                             p.insured_region, p.person_type, p.insured_status, _fmt_month(p.first_insured)))
    contributions = 0
    with open(out_dir / "contributions.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CONTRIBUTION_COLUMNS)
        for p in people:
            rows = gen.contribution_rows(p)
            writer.writerows(rows)
            contributions += len(rows)
    return DemoSummary(persons=len(people), units=len(unit_list), contributions=contributions)
