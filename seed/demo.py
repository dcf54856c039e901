"""Deterministic demo data: the 14 units of Suyu District over last year and this year.

``generate_demo(session, year=…, seed=…, as_of=…)`` fills an empty database with fictional but
plausible records. The same arguments always give the same rows, on SQLite and PostgreSQL alike,
because every choice comes from one ``random.Random(seed)`` consumed in a fixed order and no fact
is dated after ``as_of``.

The data tells a story so the charts have something to show: a few units are exemplary, a few
lag behind with gaps in almost every part of the "133" mechanism, the rest sit in between, and a
handful of expenses break the funding rules on purpose.
"""

import random
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, SQLModel, select

from models import (
    Budget,
    Commendation,
    Constituency,
    ContactDay,
    ContactDayParticipant,
    Deputy,
    Expense,
    IntegratedActivity,
    Meeting,
    Notification,
    Opinion,
    OrgGuarantee,
    Platform,
    PlatformCheck,
    PresidiumLink,
    SupervisionActivity,
    SupervisionItem,
    SupervisionStageEvent,
    SupervisionTopic,
    Township,
    Visit,
    Voter,
    VoterLink,
)
from models.enums import (
    DeputyLevel,
    MeetingKind,
    NotificationKind,
    PlatformKind,
    Rating,
    Role,
    SupervisionKind,
    SupervisionStage,
    UnitType,
    VisitKind,
)
from seed import names
from services import activities, commendations, deployment, org, platforms, rules
from services.permissions import Actor

SEED_DIR = Path(__file__).resolve().parent
UNITS_FILE = SEED_DIR / "units.toml"
RULES_DIR = SEED_DIR / "rules"
BEIJING = timezone(timedelta(hours=8))

# The story's cast. Each tier has one exemplary and one lagging sub-district as well, so the
# contrast shows on the screens that apply to every unit type.
EXEMPLARY = ("lailong", "daxing", "shunhe")
LAGGING = ("xinzhuang", "caoji", "jingtou")
# Deliberate one-offs, pinned to units so a reviewer can find them again.
UNDERFUNDED = "xinzhuang"  # deputy-activity budget below the per-deputy floor
VOTER_GAPS = "caoji"  # deputies linked to 0, 6 and 9 voters
SHORT_PRESIDIUM = "xinzhuang"  # a presidium member linked to only 3 deputies
LONG_PRESIDIUM = "zaohe"  # a presidium member linked to 6 deputies
RETURNED_ITEM = "guanmiao"  # an item rated unsatisfied and sent back to assignment
WITHOUT_TOPIC = "caoji"  # latest presidium meeting held without a supervision topic

HIGHER_DEPUTIES = (
    (DeputyLevel.national, 1),
    (DeputyLevel.provincial, 2),
    (DeputyLevel.city, 7),
)
LEVEL_ORDER = tuple(DeputyLevel)
STAGE_ORDER = (
    SupervisionStage.investigation,
    SupervisionStage.deliberation,
    SupervisionStage.assignment,
    SupervisionStage.follow_up,
    SupervisionStage.feedback,
)


@dataclass(frozen=True)
class Profile:
    """How diligent a unit is; every gap the generator leaves is drawn against these odds."""

    tier: str
    month_missing: float
    participation: tuple[float, float]
    late_entry: float
    record_gap: float
    topic_missing: float
    skip_meeting: float
    presidium_short: float
    voter_short: float
    overdue: float
    unsatisfied: float
    activities: tuple[int, int]
    items: tuple[int, int]
    integrated: tuple[int, int]
    check_ok: tuple[float, float]
    org_gap: float
    spend: tuple[float, float]
    notice_missing: float
    visits: tuple[int, int]


PROFILES = {
    "exemplary": Profile(
        tier="exemplary",
        month_missing=0.0,
        participation=(0.9, 1.0),
        late_entry=0.02,
        record_gap=0.0,
        topic_missing=0.0,
        skip_meeting=0.0,
        presidium_short=0.0,
        voter_short=0.0,
        overdue=0.03,
        unsatisfied=0.03,
        activities=(5, 7),
        items=(7, 9),
        integrated=(3, 4),
        check_ok=(0.98, 0.92),
        org_gap=0.0,
        spend=(0.9, 0.98),
        notice_missing=0.0,
        visits=(2, 2),
    ),
    "normal": Profile(
        tier="normal",
        month_missing=0.05,
        participation=(0.76, 0.92),
        late_entry=0.07,
        record_gap=0.1,
        topic_missing=0.08,
        skip_meeting=0.05,
        presidium_short=0.05,
        voter_short=0.04,
        overdue=0.12,
        unsatisfied=0.08,
        activities=(4, 6),
        items=(5, 7),
        integrated=(2, 2),
        check_ok=(0.88, 0.6),
        org_gap=0.08,
        spend=(0.75, 0.95),
        notice_missing=0.05,
        visits=(1, 2),
    ),
    "lagging": Profile(
        tier="lagging",
        month_missing=0.4,
        participation=(0.35, 0.6),
        late_entry=0.3,
        record_gap=0.35,
        topic_missing=0.35,
        skip_meeting=0.25,
        presidium_short=0.4,
        voter_short=0.3,
        overdue=0.4,
        unsatisfied=0.2,
        activities=(2, 3),
        items=(3, 5),
        integrated=(0, 1),
        check_ok=(0.6, 0.3),
        org_gap=0.4,
        spend=(0.45, 0.75),
        notice_missing=0.45,
        visits=(0, 1),
    ),
}

COUNT_KEYS: dict[type[SQLModel], str] = {
    Township: "townships",
    Constituency: "constituencies",
    Deputy: "deputies",
    Voter: "voters",
    VoterLink: "voter_links",
    PresidiumLink: "presidium_links",
    Meeting: "meetings",
    SupervisionTopic: "supervision_topics",
    SupervisionActivity: "supervision_activities",
    SupervisionItem: "supervision_items",
    SupervisionStageEvent: "stage_events",
    ContactDay: "contact_days",
    ContactDayParticipant: "contact_day_participants",
    Opinion: "opinions",
    Visit: "visits",
    Notification: "notifications",
    IntegratedActivity: "integrated_activities",
    Commendation: "commendations",
    Platform: "platforms",
    PlatformCheck: "platform_checks",
    OrgGuarantee: "org_guarantees",
    Budget: "budgets",
    Expense: "expenses",
}

# ---------------------------------------------------------------------------------------------
# Texts. Fictional, in the register of township congress records.

SUBJECTS = (
    "农村道路“户户通”建设",
    "农村人居环境整治",
    "农村饮水安全保障",
    "秸秆禁烧与综合利用",
    "高标准农田建设",
    "河道疏浚整治",
    "村卫生室服务能力提升",
    "居家养老服务中心运营",
    "义务教育学校校舍维修",
    "农村公路安全隐患整治",
    "特色农业产业发展",
    "集贸市场秩序管理",
    "低保和临时救助政策落实",
    "农村生活污水治理",
    "背街小巷改造提升",
    "农村集体资产管理",
    "食品安全监管",
    "安全生产隐患排查",
    "优化营商环境",
    "老旧小区改造",
)
LAWS = (
    "中华人民共和国食品安全法",
    "中华人民共和国安全生产法",
    "中华人民共和国大气污染防治法",
    "中华人民共和国农村土地承包法",
    "中华人民共和国老年人权益保障法",
    "中华人民共和国未成年人保护法",
)
OPINIONS = (
    ("村里主干道路面破损严重，雨天积水，希望尽快修缮。", "已转交城建部门，列入年内维修计划。"),
    ("希望在村部到小学路段增设路灯，方便学生晚归。", "已协调供电部门现场勘查。"),
    ("农田灌溉渠道淤塞，影响夏季用水。", "已安排水利站组织清淤。"),
    ("村里独居老人较多，希望加强上门探访服务。", "已纳入居家养老服务范围。"),
    ("生活垃圾清运不及时，夏天气味大。", "已督促保洁公司增加清运频次。"),
    ("希望增加农业技术培训，帮助种植户提高收入。", "农技站将于下月开班培训。"),
    ("集镇停车难，希望规划停车位。", "已反馈综合执法部门研究。"),
    ("村卫生室药品种类少，看病需跑远路。", "已与卫生院对接药品配送。"),
    ("小区电动车充电桩数量不足。", "社区已申报增设充电设施。"),
    ("希望加快农村危房改造审批进度。", ""),
    ("河道沿线杂草丛生，存在安全隐患。", "已安排河长巡查整改。"),
    ("部分农户医保缴费不会在手机上操作。", "村便民服务站安排专人代办。"),
    ("学校门口上下学时段交通拥堵。", "已协调交警中队高峰时段值守。"),
    ("希望多组织文艺下乡活动。", ""),
    ("农产品销售渠道少，希望搭建线上平台。", "已对接电商服务中心开展培训。"),
    ("自来水水压不稳，高峰时段停水。", "已转交水务公司检修。"),
    ("老旧小区楼道照明损坏。", "社区已完成维修。"),
    ("希望在村里设置快递代收点。", ""),
)
DEPARTMENTS_TOWN = (
    "党政办",
    "农业农村办",
    "城建办",
    "社会事业办",
    "财政所",
    "经济发展办",
    "综合行政执法局",
    "自然资源所",
    "卫生院",
    "水利站",
)
DEPARTMENTS_SUBDISTRICT = (
    "党政办",
    "城市管理科",
    "社会事务科",
    "经济发展科",
    "综合行政执法大队",
    "社区服务中心",
    "财政所",
)
INTEGRATED_TITLES = (
    "五级代表进网格 助力乡村振兴",
    "五级代表联合视察高标准农田建设",
    "代表助企纾困专题调研",
    "人大代表助力秸秆禁烧集中行动",
    "五级代表联系选民集中接待日",
    "代表议事会：乡村产业发展面对面",
    "五级代表联合走访困难群众",
)
COMMENDATION_TITLES = ("优秀人大代表", "履职之星", "代表建议办理先进个人", "“最美人大代表”")
COMMENDATION_DEEDS = (
    "牵头推动村组道路硬化，解决了群众出行难",
    "常年联系选民，收集转交意见建议数十条",
    "带头发展特色种养，带动周边农户增收",
    "热心调解邻里纠纷，被群众称为“贴心人”",
    "积极参与视察调研，提出的建议被政府采纳",
    "组织志愿服务队关爱留守儿童和独居老人",
)
CHECK_NOTES = {
    "place": "活动场所面积不足",
    "sign": "标牌未按统一样式更新",
    "rules": "工作制度未上墙",
    "plan": "未制定年度活动计划",
    "activities": "活动开展不经常",
    "ledger": "台账记录不完整",
    "funding": "运行经费未落实",
    "results": "活动成效不明显",
    "functions": "功能定位不清晰",
    "mechanism": "运行机制有待优化",
    "design": "标识设计未统一",
}


def _org_details(u, year: int, flags: dict[str, bool], fact: date) -> dict[str, Any]:
    """The details and evidence behind each of the three ones a demo unit has, as the three
    ones form records them (a one had needs both). Its own generator, so the main sequence of
    the demo data stays as it was."""
    rng = random.Random(f"org-{u.id}-{year}")
    out: dict[str, Any] = {}
    if flags["has_department"]:
        out["department_name"] = f"{u.zh}人大办公室"
        out["department_evidence"] = "党委关于设立人大办公室的通知"
    if flags["has_fulltime_staff"]:
        out["staff_name"] = names.person_name(rng, rng.choice("MF"))
        # Appointed before the record was made.
        out["staff_since"] = min(date(year - rng.randint(0, 4), rng.randint(1, 12), 1), fact)
        out["staff_evidence"] = "任职文件"
    if flags["has_training_mechanism"]:
        out["training_title"] = f"{u.zh}人大干部培养锻炼办法"
        out["training_date"] = fact
        out["training_evidence"] = "制度文本已印发"
    return out


ORG_FLAGS = ("has_department", "has_fulltime_staff", "has_training_mechanism")
PAYEE_WORDS = ("恒达", "鑫源", "华泰", "金诚", "宏远", "众信", "鼎盛", "嘉禾", "润泽", "天和")
PAYEE_FORMS = {
    "meetings": ("宿迁市{w}大酒店有限公司", "宿豫区{w}文印部"),
    "deputy_activities": ("宿豫区{w}文印部", "宿迁{w}客运有限公司", "宿迁{w}商贸有限公司"),
    "training": ("宿迁市{w}职业培训学校", "江苏{w}教育科技有限公司"),
    "platforms": ("宿迁{w}装饰工程有限公司", "宿迁{w}广告传媒有限公司", "宿迁{w}办公设备有限公司"),
    "inspection": ("宿迁{w}客运有限公司", "宿豫区{w}文印部"),
    "publicity": ("宿迁{w}广告传媒有限公司", "宿迁{w}文化传播有限公司"),
    "other": ("宿迁{w}商贸有限公司", "宿豫区{w}文印部"),
}
PURPOSES = {
    "meetings": ("人代会会议材料印刷", "主席团会议材料印刷", "人代会会场布置", "会议工作餐"),
    "deputy_activities": (
        "代表联系选民日活动资料印刷",
        "代表小组活动交通费",
        "代表履职手册印制",
        "代表接待选民活动场地布置",
    ),
    "training": ("代表履职培训讲课费", "代表培训资料印制", "代表履职能力提升培训班费用"),
    "platforms": (
        "代表之家设施维护",
        "代表联络站标牌制作",
        "家站点制度上墙及展板制作",
        "代表联系点办公设备购置",
    ),
    "inspection": ("代表视察用车", "专题调研资料印制", "执法检查工作餐"),
    "publicity": ("优秀代表履职风采展板制作", "人大工作宣传专栏制作", "表彰证书及奖牌制作"),
    "other": ("办公用品购置", "人大工作档案盒采购", "快递及邮寄费用"),
}
# Typical single-expense range per category, in yuan; platforms occasionally need approval.
EXPENSE_RANGE = {
    "meetings": (500, 4800),
    "deputy_activities": (300, 4500),
    "training": (1000, 4900),
    "platforms": (800, 12000),
    "inspection": (300, 3500),
    "publicity": (200, 4000),
    "other": (100, 2000),
}
# Yearly budget per category in hundreds of yuan (congress unit, sub-district); amounts in
# whole hundreds keep the 40/60 split exact to the fen.
BUDGET_RANGE = {
    "meetings": ((300, 600), (80, 150)),
    "training": ((100, 300), (80, 200)),
    "platforms": ((200, 800), (200, 600)),
    "inspection": ((80, 200), (60, 150)),
    "publicity": ((50, 150), (50, 120)),
    "other": ((30, 100), (30, 80)),
}
CN_DIGITS = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")


# ---------------------------------------------------------------------------------------------
# Units


@cache
def _units_config(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def read_units(path: Path = UNITS_FILE) -> list[dict[str, Any]]:
    """The units of ``units.toml`` in the district's order."""
    return [dict(u) for u in _units_config(path)["units"]]


def township_deputy_quota(population: int, path: Path = UNITS_FILE) -> int:
    """Township deputies a town elects under the quota rule of ``units.toml``."""
    q = _units_config(path)["deputy_quota"]
    return min(q["max"], q["base"] + population // q["per_residents"])


def load_units(session: Session, path: Path = UNITS_FILE) -> list[Township]:
    """Insert the units of ``units.toml`` that are missing (matched by code); returns them all.

    Existing units are left as they are: the admin may have renamed or retired them since.
    """
    specs = read_units(path)
    existing = {t.code: t for t in session.exec(select(Township)).all()}
    units, added = [], False
    for order, spec in enumerate(specs, start=1):
        unit = existing.get(spec["code"])
        if unit is None:
            unit = Township(
                code=spec["code"],
                name_zh=spec["name_zh"],
                name_en=spec["name_en"],
                unit_type=UnitType(spec["unit_type"]),
                population=spec.get("population"),
                sort_order=order,
            )
            session.add(unit)
            added = True
        units.append(unit)
    if added:
        session.commit()
    return units


# ---------------------------------------------------------------------------------------------
# Helpers


@cache
def _rules(year: int) -> dict[str, Any]:
    """The default rule set of ``year``, or of the nearest year that has one."""
    files = {int(p.stem): p for p in RULES_DIR.glob("*.toml") if p.stem.isdigit()}
    if not files:
        raise FileNotFoundError(f"no rule set in {RULES_DIR}")
    pick = min(files, key=lambda y: (abs(y - year), -y))
    return tomllib.loads(files[pick].read_text(encoding="utf-8"))


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Plain field defaults, so every bulk row carries every NOT NULL column.

    Fields with a default factory (``entered_at``) are left out on purpose: the generator must
    set them itself, or the data would depend on the wall clock.
    """
    out = {}
    for name, info in model.model_fields.items():
        if name == "id" or info.is_required() or info.default_factory is not None:
            continue
        out[name] = info.default
    return out


def _stored(at: datetime) -> datetime:
    """``at`` as the ``entered_at`` column wants it: aware UTC, or naive UTC on a naive column."""
    utc = at.astimezone(UTC)
    aware = getattr(Deputy.__table__.c.entered_at.type, "timezone", False)
    return utc if aware else utc.replace(tzinfo=None)


def _partition(rng: random.Random, total: int, lo: int, hi: int) -> list[int]:
    """Split ``total`` into groups of ``lo``..``hi``."""
    groups = max(1, round(total / ((lo + hi) / 2)))
    sizes = [total // groups + (1 if i < total % groups else 0) for i in range(groups)]
    for _ in range(groups * 2):
        i, j = rng.randrange(groups), rng.randrange(groups)
        if i != j and sizes[i] > lo and sizes[j] < hi:
            sizes[i] -= 1
            sizes[j] += 1
    return sizes


def _weekday(d: date) -> date:
    """Official business falls on working days: a weekend date moves to the next Monday."""
    return d + timedelta(days=(7 - d.weekday()) % 7) if d.weekday() >= 5 else d


@dataclass
class _Unit:
    row: Township
    profile: Profile
    congress: bool
    constituencies: list[tuple[int, str, int]] = field(default_factory=list)  # id, village, n
    villages: list[str] = field(default_factory=list)
    base: list[tuple[int, str]] = field(default_factory=list)  # deputies who meet voters
    # District deputies elected in a town (no constituency of the town, no voter links owed),
    # who take part in its integrated activities.
    district: list[int] = field(default_factory=list)
    presidium: list[int] = field(default_factory=list)
    no_income: int = 0
    topics: list[tuple[int, date]] = field(default_factory=list)
    activities: list[tuple[int, date]] = field(default_factory=list)
    contact_days: list[tuple[int, date]] = field(default_factory=list)
    # The opinions recorded on each contact day (id, text), for items that follow one.
    opinions: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def zh(self) -> str:
        return self.row.name_zh

    @property
    def gov(self) -> str:
        if self.row.unit_type == UnitType.township:
            return "乡政府"
        return "镇政府" if self.congress else "街道办事处"


# ---------------------------------------------------------------------------------------------
# The generator


def _tier(code: str) -> str:
    if code in EXEMPLARY:
        return "exemplary"
    return "lagging" if code in LAGGING else "normal"


def _has_data(session: Session) -> bool:
    for model in (Deputy, Meeting, ContactDay, SupervisionItem, Platform, Budget, Expense):
        if session.exec(select(model.id).limit(1)).first() is not None:
            return True
    return False


def generate_demo(
    session: Session, *, year: int, seed: int, as_of: date | None = None
) -> dict[str, int]:
    """Fill an empty database with demo data for ``year - 1`` (whole) and ``year`` (to ``as_of``).

    Units are loaded from ``units.toml`` first if missing. Returns the number of rows per table
    (keys of ``COUNT_KEYS``) plus ``township_deputies``. Commits.
    """
    if as_of is None:
        as_of = min(date.today(), date(year, 12, 31))
    if not date(year, 1, 1) <= as_of <= date(year, 12, 31):
        raise ValueError(f"as_of {as_of} is not in {year}")
    if _has_data(session):
        raise ValueError("generate_demo fills an empty database; this one already has data")
    # Filling a database with demo data makes it a demo database for good.
    deployment.settle_kind(session, deployment.DatabaseKind.demo)
    # The guarantees are recorded through the services, which read the year's rule set.
    rules.install_defaults(session)
    units = load_units(session)
    counts = _Demo(session, units, year=year, seed=seed, as_of=as_of).run()
    session.commit()
    return counts


class _Demo:
    def __init__(
        self, session: Session, units: list[Township], *, year: int, seed: int, as_of: date
    ):
        self.session = session
        self.rng = random.Random(seed)
        # A stream of its own, so following opinions leaves the rest of the data as it was.
        self.opinion_rng = random.Random(f"opinions-{seed}")
        self.followed: set[int] = set()
        self.year = year
        self.years = (year - 1, year)
        self.as_of = as_of
        self.cutoff = datetime.combine(as_of, time(18, 0, tzinfo=BEIJING))
        self.rules = _rules(year)
        self.deadlines = {
            SupervisionStage(k): int(v)
            for k, v in self.rules["supervision"]["stage_deadline_days"].items()
        }
        funds = self.rules["funds"]
        self.threshold_fen = int(Decimal(funds["approval_threshold_yuan"]) * 100)
        self.district_share = Decimal(funds["district_share"])
        self.categories = [c["code"] for c in funds["categories"]]
        self.receipts: set[str] = set()
        self.counts = {key: 0 for key in COUNT_KEYS.values()}
        self.counts["townships"] = len(units)
        self.units = [
            _Unit(
                row=t,
                profile=PROFILES[_tier(t.code)],
                congress=UnitType(t.unit_type).has_congress,
            )
            for t in units
        ]
        self.by_code = {u.code: u for u in self.units}
        # The guarantees are recorded through the services, as the unit's clerk and the admin
        # would record them (the same checks and audit); choices those records need beyond the
        # main story come from a stream of their own, so the rest of the data stays as it was.
        self.side = random.Random(f"guarantees-{seed}")
        self.admin = Actor(id=None, username="admin", role=Role.district_admin)
        self.clerks = {
            u.id: Actor(
                id=None,
                username=f"clerk{n:02d}",
                role=Role.township_staff,
                township_id=u.id,
            )
            for n, u in enumerate(self.units, start=1)
        }

    def run(self) -> dict[str, int]:
        self._people()
        self._meetings()
        self._activities()
        self._contact_days()
        self._items()
        self._visits_and_notices()
        self._integrated()
        self._platforms()
        self._org()
        self._funds()
        self.counts["township_deputies"] = sum(len(u.base) for u in self.units if u.congress)
        return dict(self.counts)

    # -- plumbing ------------------------------------------------------------------------------

    def _add(self, model: type[SQLModel], rows: list[dict], *, ids: bool = True) -> list[int]:
        """Bulk insert; with ``ids`` the new primary keys come back in the rows' order."""
        self.counts[COUNT_KEYS[model]] += len(rows)
        if not rows:
            return []
        defaults = _defaults(model)
        full = [{**defaults, **r} for r in rows]
        if not ids:
            self.session.execute(insert(model), full)
            return []
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(self.session.scalars(stmt, full))

    def _day(self, start: date, end: date) -> date:
        end = min(end, self.as_of)
        if end <= start:
            return end
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _entered(self, fact: date, p: Profile) -> datetime:
        """Entry time: usually within days of the fact, for some units often weeks later.

        Clerks work office hours in Beijing time; the value is stored in UTC.
        """
        rng = self.rng
        lag = rng.randint(15, 60) if rng.random() < p.late_entry else rng.choice((0, 0, 1, 1, 2, 4))
        clock = time(rng.randint(8, 17), rng.randint(0, 59), tzinfo=BEIJING)
        at = min(datetime.combine(fact + timedelta(days=lag), clock), self.cutoff)
        return _stored(at)

    def _year_end(self, y: int) -> date:
        return min(date(y, 12, 31), self.as_of)

    # -- deputies, voters, links ---------------------------------------------------------------

    def _people(self) -> None:
        rng = self.rng
        con_rows = []
        for u in self.units:
            if u.congress:
                n = township_deputy_quota(u.row.population or 0)
                sizes = _partition(rng, n, 3, 6)
                u.villages = names.village_names(rng, len(sizes))
                labels = [f"第{i}选区" for i in range(1, len(sizes) + 1)]
            else:
                n = min(25, max(15, 14 + (u.row.population or 0) // 5000 + rng.randint(-1, 1)))
                sizes = _partition(rng, n, 2, 4)
                u.villages = names.community_names(rng, len(sizes))
                labels = [f"{v}选区" for v in u.villages]
            u.constituencies = [(0, v, s) for v, s in zip(u.villages, sizes, strict=True)]
            con_rows += [{"township_id": u.id, "name": label} for label in labels]
        con_ids = iter(self._add(Constituency, con_rows))
        for u in self.units:
            u.constituencies = [(next(con_ids), v, s) for _, v, s in u.constituencies]

        deputy_rows: list[dict] = []
        owners: list[tuple[_Unit, int | None]] = []
        for u in self.units:
            p = u.profile
            level = DeputyLevel.township if u.congress else DeputyLevel.county
            start = len(deputy_rows)
            for cid, _village, size in u.constituencies:
                for _ in range(size):
                    deputy_rows.append(self._deputy_row(u, level, cid, p))
                    owners.append((u, cid))
            if u.congress:
                count = rng.randint(9, 11) if p.tier == "exemplary" else rng.randint(7, 11)
                for i in sorted(rng.sample(range(start, len(deputy_rows)), count)):
                    deputy_rows[i]["is_presidium_member"] = True
        for level, count in HIGHER_DEPUTIES:
            for _ in range(count):
                u = rng.choice(self.units)
                deputy_rows.append(self._deputy_row(u, level, None, u.profile))
                owners.append((u, None))
        dep_ids = self._add(Deputy, deputy_rows)

        members: dict[int, list[tuple[int, str]]] = {}  # constituency -> deputies
        for dep_id, row, (u, cid) in zip(dep_ids, deputy_rows, owners, strict=True):
            if cid is None:
                continue
            u.base.append((dep_id, row["name"]))
            members.setdefault(cid, []).append((dep_id, row["name"]))
            if row["is_presidium_member"]:
                u.presidium.append(dep_id)
            if not row["has_fixed_income"]:
                u.no_income += 1
        self._voters(members)
        self._presidium_links()

    def _deputy_row(self, u: _Unit, level: DeputyLevel, cid: int | None, p: Profile) -> dict:
        rng = self.rng
        gender = "F" if rng.random() < 0.3 else "M"
        term_start = date(self.year - 2, 1, rng.randint(5, 20))
        if rng.random() < 0.04:
            term_start = self._day(date(self.year - 1, 3, 1), date(self.year - 1, 10, 31))
        return {
            "township_id": u.id,
            "name": names.person_name(rng, gender),
            "level": level,
            "constituency_id": cid,
            "is_presidium_member": False,
            "gender": gender,
            "phone": names.mobile_phone(rng),
            "has_fixed_income": rng.random() >= (0.25 if level == DeputyLevel.township else 0.1),
            "term_start": term_start,
            "entered_at": self._entered(term_start, p),
        }

    def _voters(self, members: dict[int, list[tuple[int, str]]]) -> None:
        rng = self.rng
        voter_rows, plans = [], []
        for u in self.units:
            p = u.profile
            forced = [0, 6, 9] if u.code == VOTER_GAPS else []
            for cid, village, _size in u.constituencies:
                wants = []
                for dep_id, _name in members.get(cid, []):
                    n = rng.choice((10, 10, 11, 11, 12))
                    if forced:
                        n = forced.pop(0)
                    elif rng.random() < p.voter_short:
                        n = rng.choice((9, 9, 6, 0))
                    wants.append((dep_id, n))
                total = sum(n for _, n in wants) + rng.randint(2, 8)
                plans.append((u, len(voter_rows), wants))
                for _ in range(total):
                    gender = "F" if rng.random() < 0.48 else "M"
                    voter_rows.append(
                        {
                            "township_id": u.id,
                            "constituency_id": cid,
                            "name": names.person_name(rng, gender),
                            "village": village,
                            "phone": names.mobile_phone(rng) if rng.random() < 0.85 else "",
                            "entered_at": self._entered(date(self.year - 1, 1, 5), p),
                        }
                    )
        voter_ids = self._add(Voter, voter_rows)
        link_rows = []
        for u, first, wants in plans:
            pos = first
            for dep_id, n in wants:
                since = self._day(date(self.year - 1, 1, 1), date(self.year - 1, 3, 31))
                entered = self._entered(since, u.profile)
                for voter_id in voter_ids[pos : pos + n]:
                    link_rows.append(
                        {
                            "township_id": u.id,
                            "deputy_id": dep_id,
                            "voter_id": voter_id,
                            "since": since,
                            "entered_at": entered,
                        }
                    )
                pos += n
        self._add(VoterLink, link_rows, ids=False)

    def _presidium_links(self) -> None:
        rng = self.rng
        per_member = int(self.rules["linkage"]["deputies_per_presidium_member"])
        rows = []
        for u in self.units:
            if not u.presidium:
                continue
            chosen = set(u.presidium)
            pool = [d for d, _ in u.base if d not in chosen]
            rng.shuffle(pool)
            cursor = 0
            for i, member in enumerate(u.presidium):
                n = per_member
                if i == 0 and u.code == SHORT_PRESIDIUM:
                    n = per_member - 2
                elif i == 0 and u.code == LONG_PRESIDIUM:
                    n = per_member + 1
                elif rng.random() < u.profile.presidium_short:
                    n = rng.choice((per_member - 2, per_member - 1))
                since = self._day(date(self.year - 1, 1, 1), date(self.year - 1, 2, 28))
                for k in range(n):
                    rows.append(
                        {
                            "township_id": u.id,
                            "member_id": member,
                            "deputy_id": pool[(cursor + k) % len(pool)],
                            "since": since,
                            "entered_at": self._entered(since, u.profile),
                        }
                    )
                cursor += n
        self._add(PresidiumLink, rows, ids=False)

    # -- meetings and topics -------------------------------------------------------------------

    def _meetings(self) -> None:
        rng = self.rng
        rows: list[dict] = []
        owners: list[_Unit] = []
        without_topic: set[int] = set()  # positions in rows
        for u in self.units:
            if not u.congress:
                continue
            p = u.profile
            mine: list[dict] = []
            for y in self.years:
                first = date(y, 1, 5), date(y, 3, 20)
                if rng.random() < p.skip_meeting:
                    first = date(y, 4, 1), date(y, 6, 25)
                dates = [
                    (MeetingKind.congress_session, 1, self._weekday_in(*first)),
                    (
                        MeetingKind.congress_session,
                        2,
                        self._weekday_in(date(y, 7, 1), date(y, 12, 26)),
                    ),
                ]
                if rng.random() < p.skip_meeting:
                    dates.pop()
                for q in range(4):
                    start = date(y, 3 * q + 1, 6)
                    end = date(y, 3 * q + 3, 25)
                    held = self._weekday_in(start, end)
                    if rng.random() >= p.skip_meeting:
                        dates.append((MeetingKind.presidium, q + 1, held))
                held_so_far: Counter[MeetingKind] = Counter()
                for kind, _slot, held in sorted(dates, key=lambda t: t[2]):
                    if held > self.as_of:
                        continue
                    held_so_far[kind] += 1
                    mine.append(self._meeting_row(u, kind, held_so_far[kind], held, y))
            presidium = [m for m in mine if m["kind"] == MeetingKind.presidium]
            no_topic_odds = {"exemplary": 0.0, "normal": 0.15, "lagging": 0.7}[p.tier]
            if presidium and (u.code == WITHOUT_TOPIC or rng.random() < no_topic_odds):
                without_topic.add(len(rows) + mine.index(presidium[-1]))
                presidium[-1]["follow_up"] = ""
            rows += mine
            owners += [u] * len(mine)
        ids = self._add(Meeting, rows)

        topic_rows, topic_owner = [], []
        for n, (meeting_id, row, u) in enumerate(zip(ids, rows, owners, strict=True)):
            if row["kind"] != MeetingKind.presidium or n in without_topic:
                continue
            if rng.random() < u.profile.topic_missing:
                continue
            for _ in range(rng.choice((1, 1, 1, 2))):
                subject = rng.choice(SUBJECTS)
                topic_rows.append(
                    {
                        "meeting_id": meeting_id,
                        "township_id": u.id,
                        "title": f"听取和审议{u.gov}关于{subject}工作情况的报告",
                        "entered_at": row["entered_at"],
                    }
                )
                topic_owner.append((u, row["held_on"]))
        topic_ids = self._add(SupervisionTopic, topic_rows)
        for topic_id, (u, held) in zip(topic_ids, topic_owner, strict=True):
            u.topics.append((topic_id, held))

    def _weekday_in(self, start: date, end: date) -> date:
        d = start + timedelta(days=self.rng.randint(0, (end - start).days))
        return _weekday(d)

    def _meeting_row(self, u: _Unit, kind: MeetingKind, n: int, held: date, y: int) -> dict:
        rng = self.rng
        p = u.profile
        subject = rng.choice(SUBJECTS)
        villages = rng.randint(3, 8)
        if kind == MeetingKind.congress_session:
            # The term began in the January two years before ``year``: sessions count on from it.
            ordinal = 2 * (y - (self.year - 2)) + n
            title = f"{u.zh}第十九届人民代表大会第{_cn(ordinal)}次会议"
            attendance = round(len(u.base) * rng.uniform(0.86, 0.98))
            research = (
                f"会前组织代表分组深入{villages}个村（社区）开展调研，"
                f"围绕{subject}等议题征集意见建议{rng.randint(12, 40)}条。"
            )
            deliberation = (
                f"大会听取和审议了{u.gov}工作报告、财政预算执行情况和预算草案的报告，"
                f"代表分{rng.randint(4, 8)}个小组审议，提出建议{rng.randint(8, 30)}件。"
            )
            follow_up = (
                f"会后将代表建议交{u.gov}办理，主席团跟踪督办，"
                f"已办结{rng.randint(5, 20)}件，其余正在推进。"
            )
        else:
            title = f"{u.zh}人大主席团{y}年第{_cn(n)}次会议"
            attendance = max(3, len(u.presidium) - rng.randint(0, 2))
            research = f"会前主席团成员围绕{subject}深入{villages}个村（居）调研，形成调研报告。"
            deliberation = (
                f"会议听取和审议了{u.gov}关于{subject}工作情况的报告，"
                f"提出审议意见{rng.randint(3, 9)}条。"
            )
            follow_up = f"审议意见已书面交{u.gov}办理，明确责任部门和完成时限，主席团定期跟踪问效。"
        texts = {"research": research, "deliberation": deliberation, "follow_up": follow_up}
        if rng.random() < p.record_gap:
            texts[rng.choice(("research", "deliberation", "follow_up"))] = ""
        return {
            "township_id": u.id,
            "kind": kind,
            "held_on": held,
            "title": title,
            "attendance": attendance,
            **texts,
            "entered_at": self._entered(held, p),
        }

    # -- supervision activities ----------------------------------------------------------------

    def _activities(self) -> None:
        rng = self.rng
        kinds = list(SupervisionKind)
        rows, owners = [], []
        for u in self.units:
            p = u.profile
            for y in self.years:
                n = rng.randint(*p.activities)
                order = rng.sample(kinds, len(kinds))
                span = 365 // n
                for i in range(n):
                    held = _weekday(
                        date(y, 1, 8) + timedelta(days=i * span + rng.randint(0, span - 10))
                    )
                    kind = order[i % len(order)]
                    if held > self.as_of or held.year != y:
                        continue
                    subject = rng.choice(SUBJECTS)
                    department = rng.choice(self._departments(u))
                    text = {
                        SupervisionKind.inspection: f"视察{subject}工作",
                        SupervisionKind.survey: f"{subject}专题调研",
                        SupervisionKind.law_enforcement_check: f"《{rng.choice(LAWS)}》执法检查",
                        SupervisionKind.special_inquiry: f"{subject}专题询问",
                        SupervisionKind.appraisal: f"对{u.zh}{department}开展工作评议",
                    }[kind]
                    people, ideas = rng.randint(8, 30), rng.randint(3, 12)
                    rows.append(
                        {
                            "township_id": u.id,
                            "kind": kind,
                            "held_on": held,
                            "subject": text,
                            "participants": people,
                            "note": f"组织代表{people}人参加，形成意见建议{ideas}条。",
                            "entered_at": self._entered(held, p),
                        }
                    )
                    owners.append((u, held))
        ids = self._add(SupervisionActivity, rows)
        for act_id, (u, held) in zip(ids, owners, strict=True):
            u.activities.append((act_id, held))

    @staticmethod
    def _departments(u: _Unit) -> tuple[str, ...]:
        return DEPARTMENTS_TOWN if u.congress else DEPARTMENTS_SUBDISTRICT

    # -- contact days --------------------------------------------------------------------------

    def _contact_days(self) -> None:
        rng = self.rng
        rows, owners = [], []
        for u in self.units:
            p = u.profile
            for y in self.years:
                for m in range(1, 13):
                    scheduled = date(y, m, 20)
                    if scheduled > self.as_of:
                        break
                    if rng.random() < p.month_missing:
                        continue
                    held = scheduled
                    moved = rng.random() < 0.6
                    if held.weekday() == 5 and moved:
                        held = held - timedelta(days=1)
                    elif held.weekday() == 6 and moved and held + timedelta(days=1) <= self.as_of:
                        held = held + timedelta(days=1)
                    if p.tier == "lagging" and rng.random() < 0.15:
                        late = date(y, m, rng.randint(23, 28))
                        held = late if late <= self.as_of else held
                    rate = rng.uniform(*p.participation)
                    k = max(1, min(len(u.base), round(rate * len(u.base))))
                    people = rng.sample(u.base, k)
                    voters = k * rng.randint(3, 7)
                    opinions = rng.randint(max(1, k // 6), max(2, k // 3))
                    summary = (
                        f"按照“三联三定三助”要求，{k}名代表在{rng.randint(2, 6)}个家站点"
                        f"接待选民{voters}人次，收集意见建议{opinions}条。"
                    )
                    if p.tier == "lagging" and rng.random() < 0.4:
                        summary = ""
                    rows.append(
                        {
                            "township_id": u.id,
                            "held_on": held,
                            "voters_met": voters,
                            "opinions_count": opinions,
                            "summary": summary,
                            "entered_at": self._entered(held, p),
                        }
                    )
                    owners.append((u, held, people, opinions))
        ids = self._add(ContactDay, rows)
        part_rows, opinion_rows, opinion_owners = [], [], []
        for day_id, row, (u, held, people, opinions) in zip(ids, rows, owners, strict=True):
            u.contact_days.append((day_id, held))
            part_rows += [{"contact_day_id": day_id, "deputy_id": d} for d, _ in people]
            recorded = rng.randint(2, 4) if u.profile.tier != "lagging" else rng.randint(0, 2)
            for text, answer in rng.sample(OPINIONS, min(opinions, recorded)):
                opinion_rows.append(
                    {
                        "contact_day_id": day_id,
                        "township_id": u.id,
                        "text": text,
                        "answer": answer if rng.random() < 0.8 else "",
                        "entered_at": row["entered_at"],
                    }
                )
                opinion_owners.append((u, day_id, text))
        self._add(ContactDayParticipant, part_rows, ids=False)
        opinion_ids = self._add(Opinion, opinion_rows)
        for oid, (u, day_id, text) in zip(opinion_ids, opinion_owners, strict=True):
            u.opinions.setdefault(day_id, []).append((oid, text))

    # -- closed-loop supervision items ---------------------------------------------------------

    def _items(self) -> None:
        rng = self.rng
        items: list[tuple[_Unit, dict, list[dict]]] = []
        for u in self.units:
            p = u.profile
            for y in self.years:
                for i in range(rng.randint(*p.items)):
                    forced = u.code == RETURNED_ITEM and y == self.year - 1 and i == 0
                    item, events = self._item(u, y, forced)
                    items.append((u, item, events))
        self._ensure_coverage(items)
        ids = self._add(SupervisionItem, [item for _, item, _ in items])
        event_rows = []
        for item_id, (_u, _item, events) in zip(ids, items, strict=True):
            for e in events:
                event_rows.append({**e, "item_id": item_id})
        self._add(SupervisionStageEvent, event_rows, ids=False)
        # What the voters behind an opinion were told: given once its item is closed.
        for _u, item, _events in items:
            if item.get("opinion_id") is None:
                continue
            opinion = self.session.get(Opinion, item["opinion_id"])
            if item["stage"] != SupervisionStage.closed:
                opinion.answer = ""
            elif not opinion.answer:
                opinion.answer = "已办结，办理结果已向提出意见的选民反馈。"
            self.session.add(opinion)
        self.session.flush()

    def _item(self, u: _Unit, y: int, forced_return: bool) -> tuple[dict, list[dict]]:
        rng = self.rng
        start, end = date(y, 1, 1), self._year_end(y)
        links: dict[str, int | None] = {
            "topic_id": None,
            "activity_id": None,
            "contact_day_id": None,
            "opinion_id": None,
        }
        # Most items grow out of a presidium topic, an activity or a contact day; some stand alone.
        roll = rng.random()
        pick, sources = None, []
        for column, upto, found in (
            ("topic_id", 0.35, u.topics),
            ("activity_id", 0.6, u.activities),
            ("contact_day_id", 0.8, u.contact_days),
        ):
            if roll < upto:
                pick, sources = column, found
                break
        candidates = [s for s in sources if s[1].year == y]
        if forced_return:
            opened = self._day(date(y, 2, 1), date(y, 2, 28))
        elif pick and candidates:
            source_id, when = rng.choice(candidates)
            links[pick] = source_id
            opened = min(when + timedelta(days=rng.randint(0, 14)), self.as_of)
            if pick == "contact_day_id":
                free = [o for o in u.opinions.get(source_id, []) if o[0] not in self.followed]
                if free:
                    links["opinion_id"], _ = self.opinion_rng.choice(free)
                    self.followed.add(links["opinion_id"])
        else:
            opened = self._day(start, end)
        stage, entered, events, closed_on, rating = self._walk(
            u, opened, forced_return=forced_return
        )
        title = f"{rng.choice(SUBJECTS)}问题督办"
        if links["opinion_id"] is not None:
            day = u.opinions[links["contact_day_id"]]
            title = next(text for oid, text in day if oid == links["opinion_id"]).rstrip("。")
        item = {
            "township_id": u.id,
            "title": title,
            "opened_on": opened,
            "stage": stage,
            "stage_entered_on": entered,
            "responsible_unit": u.zh + rng.choice(self._departments(u)),
            **links,
            "closed_on": closed_on,
            "rating": rating,
            "entered_at": self._entered(opened, u.profile),
        }
        for e in events:
            if e["to_stage"] == SupervisionStage.assignment:
                e["responsible_unit"] = item["responsible_unit"]
        return item, events

    def _walk(self, u: _Unit, opened: date, *, forced_return: bool = False):
        """Move an item forward stage by stage until the next move would fall after ``as_of``."""
        rng = self.rng
        p = u.profile
        stage = SupervisionStage.investigation
        entered = opened
        events = [self._event(u, None, stage, opened)]
        returned = False
        closed_on = rating = None
        while stage != SupervisionStage.closed:
            limit = self.deadlines[stage]
            if not forced_return and rng.random() < p.overdue:
                days = rng.randint(limit + 1, limit * 2 + 5)
            else:
                days = rng.randint(max(1, limit // 4), limit)
            when = entered + timedelta(days=days)
            if when > self.as_of:
                break
            if stage == SupervisionStage.feedback:
                raters = rng.randint(12, 60)
                if not returned and (forced_return or rng.random() < p.unsatisfied):
                    events.append(
                        self._event(
                            u,
                            stage,
                            SupervisionStage.assignment,
                            when,
                            is_return=True,
                            rating=Rating.unsatisfied,
                            raters=raters,
                        )
                    )
                    stage, returned = SupervisionStage.assignment, True
                else:
                    rating = Rating.satisfied if rng.random() < 0.75 else Rating.basically_satisfied
                    events.append(
                        self._event(
                            u, stage, SupervisionStage.closed, when, rating=rating, raters=raters
                        )
                    )
                    stage, closed_on = SupervisionStage.closed, when
            else:
                nxt = STAGE_ORDER[STAGE_ORDER.index(stage) + 1]
                events.append(self._event(u, stage, nxt, when))
                stage = nxt
            entered = when
        return stage, entered, events, closed_on, rating

    def _event(
        self,
        u: _Unit,
        from_stage: SupervisionStage | None,
        to_stage: SupervisionStage,
        when: date,
        *,
        is_return: bool = False,
        rating: Rating | None = None,
        raters: int | None = None,
    ) -> dict:
        notes = {
            SupervisionStage.investigation: ("组织代表开展调查研究，摸清问题底数。", "调研报告"),
            SupervisionStage.deliberation: ("提交主席团会议审议，形成审议意见。", "审议意见书"),
            SupervisionStage.assignment: ("将审议意见交相关部门办理，明确办理时限。", "交办单"),
            SupervisionStage.follow_up: ("跟踪督办办理进度，开展“回头看”。", "督办记录"),
            SupervisionStage.feedback: ("组织代表和选民对办理结果进行评议。", "测评表"),
            SupervisionStage.closed: ("群众评议通过，予以销号。", "满意度测评汇总表"),
        }
        note, evidence = notes[to_stage]
        if is_return:
            note, evidence = "群众评议不满意，退回重新交办。", "测评表"
        return {
            "from_stage": from_stage,
            "to_stage": to_stage,
            "happened_on": when,
            "note": note,
            "evidence": evidence if self.rng.random() < 0.85 else "",
            "responsible_unit": "",
            "is_return": is_return,
            "rating": rating,
            "raters": raters,
            "entered_at": self._entered(when, u.profile),
        }

    def _ensure_coverage(self, items: list[tuple[_Unit, dict, list[dict]]]) -> None:
        """Make sure the screens can show every stage and an overdue item, whatever the seed."""
        present = {item["stage"] for _, item, _ in items}
        u = self.by_code.get("yanghua", self.units[0])
        for stage in (*STAGE_ORDER, SupervisionStage.closed):
            if stage not in present:
                items.append((u, *self._crafted(u, stage, days_in_stage=2)))
        overdue = any(
            item["stage"] != SupervisionStage.closed
            and (self.as_of - item["stage_entered_on"]).days
            > self.deadlines[SupervisionStage(item["stage"])]
            for _, item, _ in items
        )
        if not overdue:
            lag = self.by_code.get(LAGGING[0], self.units[-1])
            days = self.deadlines[SupervisionStage.follow_up] + 20
            items.append((lag, *self._crafted(lag, SupervisionStage.follow_up, days_in_stage=days)))

    def _crafted(self, u: _Unit, target: SupervisionStage, *, days_in_stage: int):
        """An item placed by hand in ``target`` stage, its history consistent with the dates."""
        rng = self.rng
        path = [*STAGE_ORDER, SupervisionStage.closed]
        before = path[: path.index(target)]
        steps = [max(1, self.deadlines[s] // 2) for s in before]
        entered = self.as_of - timedelta(days=days_in_stage)
        opened = entered - timedelta(days=sum(steps))
        events = [self._event(u, None, SupervisionStage.investigation, opened)]
        when = opened
        for s, step in zip(before, steps, strict=True):
            when = when + timedelta(days=step)
            nxt = path[path.index(s) + 1]
            rating = Rating.satisfied if nxt == SupervisionStage.closed else None
            raters = rng.randint(12, 60) if rating else None
            events.append(self._event(u, s, nxt, when, rating=rating, raters=raters))
        closed = target == SupervisionStage.closed
        responsible = u.zh + rng.choice(self._departments(u))
        for e in events:
            if e["to_stage"] == SupervisionStage.assignment:
                e["responsible_unit"] = responsible
        item = {
            "township_id": u.id,
            "title": f"{rng.choice(SUBJECTS)}问题督办",
            "opened_on": opened,
            "stage": target,
            "stage_entered_on": entered,
            "responsible_unit": responsible,
            "topic_id": None,
            "activity_id": None,
            "contact_day_id": None,
            "closed_on": entered if closed else None,
            "rating": Rating.satisfied if closed else None,
            "entered_at": self._entered(opened, u.profile),
        }
        return item, events

    # -- one visit, two notifications ----------------------------------------------------------

    def _visits_and_notices(self) -> None:
        rng = self.rng
        visits, notices = [], []
        for u in self.units:
            p = u.profile
            for y in self.years:
                for half, opens in enumerate((date(y, 1, 1), date(y, 7, 1)), start=1):
                    if opens > self.as_of:
                        break
                    for kind in VisitKind:
                        for _ in range(rng.randint(*p.visits)):
                            held = _weekday(opens + timedelta(days=rng.randint(0, 170)))
                            if held > self.as_of:
                                continue
                            deputy = kind == VisitKind.deputy
                            people = (
                                rng.randint(len(u.base) // 3, len(u.base))
                                if deputy
                                else rng.randint(40, 200)
                            )
                            what = "走访代表" if deputy else "走访选民"
                            ideas = rng.randint(3, 20)
                            visits.append(
                                {
                                    "township_id": u.id,
                                    "kind": kind,
                                    "held_on": held,
                                    "people_visited": people,
                                    "note": f"{what}{people}人，听取意见建议{ideas}条。",
                                    "entered_at": self._entered(held, p),
                                }
                            )
                    label = "上半年" if half == 1 else "下半年"
                    body = "主席团" if u.congress else "人大工委"
                    for kind, title in (
                        (NotificationKind.presidium_work, f"关于{y}年{label}{body}工作情况的通报"),
                        (
                            NotificationKind.deputy_performance,
                            f"关于{y}年{label}人大代表履职情况的通报",
                        ),
                    ):
                        issued = _weekday(opens + timedelta(days=rng.randint(100, 178)))
                        if rng.random() < p.notice_missing or issued > self.as_of:
                            continue
                        notices.append(
                            {
                                "township_id": u.id,
                                "kind": kind,
                                "issued_on": issued,
                                "title": title,
                                "entered_at": self._entered(issued, p),
                            }
                        )
        self._add(Visit, visits, ids=False)
        self._add(Notification, notices, ids=False)

    # -- integrated activities and commendations -----------------------------------------------

    def _backdate(self, model: type[SQLModel], entered: dict[int, datetime]) -> None:
        """The services stamp a record with the time it is saved; the demo's story wants the
        time its clerk would have entered it."""
        if entered:
            table = model.__table__  # type: ignore[attr-defined]
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("key"))
                .values(entered_at=bindparam("at")),
                [{"key": k, "at": at} for k, at in entered.items()],
            )

    def _district_deputies(self) -> None:
        """District deputies elected in each town (about one per 2,500 residents): they have no
        constituency of the town and owe it no voter links; they join integrated activities."""
        side = self.side
        rows, owners = [], []
        for u in self.units:
            if not u.congress:
                continue  # a sub-district's roster is its district deputies already
            n = max(8, (u.row.population or 0) // 2500) + side.randint(-1, 1)
            for _ in range(n):
                gender = "F" if side.random() < 0.3 else "M"
                term_start = date(self.year - 2, 1, side.randint(5, 20))
                rows.append(
                    {
                        "township_id": u.id,
                        "name": names.person_name(side, gender),
                        "level": DeputyLevel.county,
                        "gender": gender,
                        "phone": names.mobile_phone(side),
                        "has_fixed_income": side.random() >= 0.1,
                        "term_start": term_start,
                        "entered_at": _stored(
                            datetime.combine(term_start, time(9, 0, tzinfo=BEIJING))
                        ),
                    }
                )
                owners.append(u)
        for dep_id, u in zip(self._add(Deputy, rows), owners, strict=True):
            u.district.append(dep_id)

    def _activity_entry(
        self, u: _Unit, y: int, held: date, levels: list[DeputyLevel], title: str, people: int
    ) -> activities.ActivityEntry:
        """An activity of ``levels`` with about ``people`` deputies taking part: deputies of the
        unit's roster for its own levels, counts of city, provincial and national deputies from
        outside the roster."""
        side = self.side
        outside = {
            "outside_city": side.randint(1, 4) if DeputyLevel.city in levels else 0,
            "outside_provincial": side.randint(1, 2) if DeputyLevel.provincial in levels else 0,
            "outside_national": 1 if DeputyLevel.national in levels else 0,
        }
        township = [d for d, _ in u.base] if u.congress else []
        county = u.district if u.congress else [d for d, _ in u.base]
        pools = [
            pool
            for level, pool in ((DeputyLevel.township, township), (DeputyLevel.county, county))
            if level in levels and pool
        ]
        wanted = max(len(pools), people - sum(outside.values()))
        chosen: list[int] = []
        for i, pool in enumerate(pools):
            share = wanted // len(pools) + (1 if i < wanted % len(pools) else 0)
            chosen += side.sample(pool, min(len(pool), max(1, share)))
        return activities.ActivityEntry(
            township_id=u.id,
            held_on=held,
            title=title,
            theme=_rules(y)["themes"][0],
            deputy_ids=chosen,
            voters_reached=side.randint(3, 12) * 10,
            results=f"收集群众意见建议{side.randint(5, 30)}条，现场解答{side.randint(3, 15)}件。",
            **outside,
        )

    def _integrated(self) -> None:
        rng = self.rng
        self._district_deputies()
        acts: dict[int, list[tuple[activities.ActivityEntry, datetime]]] = {}
        honours: list[tuple[_Unit, dict, date, datetime]] = []
        for u in self.units:
            p = u.profile
            own = DeputyLevel.township if u.congress else DeputyLevel.county
            # Sub-districts elect no township deputies, so that level cannot take part there.
            present = [lv for lv in LEVEL_ORDER if u.congress or lv != DeputyLevel.township]
            for y in self.years:
                n = rng.randint(*p.integrated)
                for i in range(n):
                    held = _weekday(date(y, 3, 1) + timedelta(days=i * 90 + rng.randint(0, 60)))
                    if held > self.as_of:
                        continue
                    if p.tier == "exemplary" or rng.random() < 0.3:
                        levels = present
                    else:
                        higher = [lv for lv in present if lv != own]
                        levels = [*rng.sample(higher, rng.randint(1, 3)), own]
                        if own == DeputyLevel.township:
                            levels.append(DeputyLevel.county)
                    title = rng.choice(INTEGRATED_TITLES)
                    people = rng.randint(12, 60)
                    entered = self._entered(held, p)
                    entry = self._activity_entry(u, y, held, levels, title, people)
                    acts.setdefault(u.id, []).append((entry, entered))
                count = {"exemplary": 3, "normal": rng.randint(1, 2), "lagging": rng.randint(0, 1)}
                awarded = _weekday(date(y, 12, rng.randint(10, 22)))
                if awarded > self.as_of:
                    continue
                for dep_id, name in rng.sample(u.base, count[p.tier]):
                    deed = rng.choice(COMMENDATION_DEEDS)
                    proposal = {
                        "year": y,
                        "deputy_id": dep_id,
                        "title": f"{y}年度{rng.choice(COMMENDATION_TITLES)}",
                        "story": f"{name}代表扎根基层，{deed}，群众认可度高。",
                    }
                    # Drawn for the offline display, which the services do not record: kept so
                    # the main sequence of the demo data stays as it was.
                    rng.random(), rng.random()
                    honours.append((u, proposal, awarded, self._entered(awarded, p)))
        entered: dict[int, datetime] = {}
        for tid, unit_acts in acts.items():
            ids = activities.record_activities(
                self.session, self.clerks[tid], [e for e, _ in unit_acts], today=self.as_of
            )
            entered |= dict(zip(ids, (at for _, at in unit_acts), strict=True))
        self._backdate(IntegratedActivity, entered)
        self.counts[COUNT_KEYS[IntegratedActivity]] += len(entered)
        self._commend(honours)

    def _commend(self, honours: list[tuple[_Unit, dict, date, datetime]]) -> None:
        """Each unit proposes its deputies; the admin approves them on the award day."""
        entered: dict[int, datetime] = {}
        by_day: dict[date, list[int]] = {}
        for u, proposal, awarded, at in honours:
            key = commendations.propose(
                self.session, self.clerks[u.id], township_id=u.id, **proposal
            )
            entered[key] = at
            by_day.setdefault(awarded, []).append(key)
        for awarded, keys in sorted(by_day.items()):
            commendations.approve_many(self.session, self.admin, keys, on=awarded)
        self._backdate(Commendation, entered)
        self.counts[COUNT_KEYS[Commendation]] += len(entered)

    # -- platforms -----------------------------------------------------------------------------

    def _platforms(self) -> None:
        rng = self.rng
        eight = list(self.rules["platforms"]["eight_haves"])
        v2 = list(self.rules["platforms"]["v2_items"])
        # Each unit's register: the entries, and per platform (opened, closed, entered at).
        plans: list[tuple[_Unit, list[platforms.PlatformEntry], list[tuple]]] = []
        for u in self.units:
            p = u.profile
            stations = 3 if p.tier == "exemplary" else rng.randint(1, 3)
            points = rng.randint(4, 8) if u.congress else rng.randint(3, 6)
            places = rng.sample(u.villages, min(len(u.villages), stations + points))
            plan = [(PlatformKind.home, f"{u.zh}人大代表之家", "便民服务中心")]
            for v in places[:stations]:
                plan.append(
                    (PlatformKind.station, f"{u.zh}人大代表联络站（{v}）", f"{v}党群服务中心")
                )
            for v in places[stations:]:
                plan.append((PlatformKind.point, f"{v}人大代表联系点", f"{v}党群服务中心"))
            entries, owned = [], []
            for kind, name, where in plan:
                if rng.random() < 0.1:
                    opened = self._day(date(self.year, 1, 10), date(self.year, 6, 30))
                else:
                    opened = date(self.year - rng.randint(2, 6), rng.randint(1, 12), 1)
                retired = p.tier == "lagging" and kind == PlatformKind.point and rng.random() < 0.15
                closed = (
                    max(opened + timedelta(days=30), date(self.year, 3, 31)) if retired else None
                )
                entries.append(
                    platforms.PlatformEntry(
                        township_id=u.id,
                        kind=kind,
                        name=name,
                        address=f"宿迁市宿豫区{u.zh}{where}",
                        opened_on=opened,
                    )
                )
                owned.append((opened, closed, self._entered(opened, p)))
            plans.append((u, entries, owned))
        registers = []
        for u, entries, owned in plans:
            ids = platforms.add_platforms(
                self.session, self.clerks[u.id], entries, today=self.as_of
            )
            self._backdate(Platform, {k: at for k, (_, _, at) in zip(ids, owned, strict=True)})
            self.counts[COUNT_KEYS[Platform]] += len(ids)
            registers.append((u, list(zip(ids, owned, strict=True))))
        checks: dict[int, dict[int, dict[str, platforms.ItemEntry]]] = {}
        for u, register in registers:
            ok_eight, ok_v2 = u.profile.check_ok
            for platform_id, (opened, _, _) in register:
                for y in self.years:
                    if opened > self._year_end(y):
                        continue
                    items = {}
                    for code in eight + v2:
                        ok = rng.random() < (ok_eight if code in eight else ok_v2)
                        # A ticked item carries its evidence, as the check requires; an item
                        # not met says what is missing.
                        note = f"{y}年度现场核查，台账留存" if ok else CHECK_NOTES.get(code, "")
                        items[code] = platforms.ItemEntry(ok=ok, note=note)
                    checks.setdefault(y, {})[platform_id] = items
                    self.counts[COUNT_KEYS[PlatformCheck]] += len(items)
        # The district's yearly inspection of every platform, recorded by the admin.
        for y, year_checks in checks.items():
            platforms.check_platforms(self.session, self.admin, year=y, checks=year_checks)
        # A platform closed by the as-of day is retired on its closing day, checks kept.
        for u, register in registers:
            for platform_id, (_, closed, _) in register:
                if closed is not None and closed <= self.as_of:
                    platforms.retire_platform(
                        self.session,
                        self.clerks[u.id],
                        platform_id,
                        closed_on=closed,
                        today=self.as_of,
                    )

    # -- organisation guarantee ----------------------------------------------------------------

    def _org(self) -> None:
        rng = self.rng
        for u in self.units:
            p = u.profile
            for y in self.years:
                flags = {k: rng.random() >= p.org_gap for k in ORG_FLAGS}
                if p.tier == "lagging" and all(flags.values()):
                    flags[rng.choice(list(ORG_FLAGS))] = False
                fact = self._day(date(y, 1, 10), date(y, 3, 31))
                entered = self._entered(fact, p)
                details = _org_details(u, y, flags, fact)
                key = org.set_three_ones(
                    self.session,
                    self.clerks[u.id],
                    township_id=u.id,
                    year=y,
                    department_name=details.get("department_name", ""),
                    department_note=details.get("department_evidence", ""),
                    staff_name=details.get("staff_name", ""),
                    staff_since=details.get("staff_since"),
                    staff_note=details.get("staff_evidence", ""),
                    training_title=details.get("training_title", ""),
                    training_date=details.get("training_date"),
                    training_note=details.get("training_evidence", ""),
                    today=self.as_of,
                )
                self._backdate(OrgGuarantee, {key: entered})
                self.counts[COUNT_KEYS[OrgGuarantee]] += 1

    # -- budgets and expenses ------------------------------------------------------------------

    def _funds(self) -> None:
        budgets, expenses = [], []
        planned: dict[tuple[str, int, str], int] = {}
        first_receipt: dict[str, str] = {}
        for u in self.units:
            for y in self.years:
                amounts = self._budget_amounts(u, y)
                approved = self._day(date(y, 1, 5), date(y, 1, 25))
                for category in self.categories:
                    amount = amounts.get(category, 0) * 100
                    district = int(
                        (Decimal(amount) * self.district_share).quantize(
                            Decimal(1), rounding=ROUND_HALF_UP
                        )
                    )
                    budgets.append(
                        {
                            "township_id": u.id,
                            "year": y,
                            "category": category,
                            "amount_fen": amount,
                            "district_share_fen": district,
                            "township_share_fen": amount - district,
                            "entered_at": self._entered(approved, u.profile),
                        }
                    )
                    planned[(u.code, y, category)] = amount
                    rows = self._spend(u, y, category, amount)
                    if rows:
                        first_receipt.setdefault(u.code, rows[0]["receipt_no"])
                    expenses += rows
        expenses += self._violations(planned, expenses, first_receipt)
        self._add(Budget, budgets, ids=False)
        self._add(Expense, expenses, ids=False)

    def _budget_amounts(self, u: _Unit, y: int) -> dict[str, int]:
        """Yearly budget per category in yuan (whole hundreds)."""
        rng = self.rng
        funds = _rules(y)["funds"]
        floor = int(Decimal(funds["per_deputy_activity_yuan"]))
        monthly = int(Decimal(funds["lost_work_subsidy_monthly_yuan"]))
        pick = 0 if u.congress else 1
        out = {cat: rng.randint(*ranges[pick]) * 100 for cat, ranges in BUDGET_RANGE.items()}
        if u.congress:
            factor = rng.uniform(0.6, 0.8) if u.code == UNDERFUNDED else rng.uniform(1.0, 1.5)
            per_deputy = int(floor * factor) // 100 * 100
            if u.code != UNDERFUNDED:
                per_deputy = max(per_deputy, floor)
            out["deputy_activities"] = per_deputy * len(u.base)
        else:
            out["deputy_activities"] = rng.randint(200, 400) * 100
        out["lost_work"] = u.no_income * monthly * 12
        return out

    def _spend(self, u: _Unit, y: int, category: str, budget_fen: int) -> list[dict]:
        rng = self.rng
        p = u.profile
        end = self._year_end(y)
        elapsed = ((end - date(y, 1, 1)).days + 1) / ((date(y, 12, 31) - date(y, 1, 1)).days + 1)
        target = budget_fen * rng.uniform(*p.spend) * elapsed
        rows: list[dict] = []
        if category == "lost_work":
            # Paid once a year, in December, for the activity recorded over the year.
            paid = date(y, 12, rng.randint(18, 28))
            if paid <= self.as_of and budget_fen:
                amount = int(budget_fen * rng.uniform(0.8, 1.0)) // 10 * 10
                rows.append(
                    self._expense(
                        u,
                        y,
                        paid,
                        category,
                        amount,
                        payee=f"{u.zh}无固定收入代表（{u.no_income}人）",
                        purpose=f"{y}年度无固定收入代表误工补贴",
                    )
                )
            return rows
        lo, hi = EXPENSE_RANGE.get(category, EXPENSE_RANGE["other"])
        spent = 0
        while True:
            amount = rng.randint(lo * 100, hi * 100) // 10 * 10
            if spent + amount > target:
                break
            spent += amount
            when = self._day(date(y, 1, 6), end)
            rows.append(self._expense(u, y, when, category, amount))
        return rows

    def _expense(
        self,
        u: _Unit,
        y: int,
        when: date,
        category: str,
        amount: int,
        *,
        payee: str = "",
        purpose: str = "",
        approved: bool | None = None,
        receipt: str | None = None,
        budget_year: int | None = None,
    ) -> dict:
        rng = self.rng
        forms = PAYEE_FORMS.get(category, PAYEE_FORMS["other"])
        payee = payee or rng.choice(forms).format(w=rng.choice(PAYEE_WORDS))
        purpose = purpose or rng.choice(PURPOSES.get(category, PURPOSES["other"]))
        if approved is None:
            approved = amount > self.threshold_fen
        body = "人大主席团会议纪要" if u.congress else "人大工委会议纪要"
        return {
            "township_id": u.id,
            "occurred_on": when,
            "budget_year": budget_year or y,
            "category": category,
            "amount_fen": amount,
            "payee": payee,
            "purpose": purpose,
            "receipt_no": receipt or self._receipt(y),
            "presidium_approved": approved,
            "approval_ref": f"{u.zh}{body}〔{y}〕{rng.randint(1, 12)}号" if approved else "",
            "entered_at": self._entered(when, u.profile),
        }

    def _receipt(self, y: int) -> str:
        """A 20-digit e-invoice number (year, Jiangsu code, serial), never handed out twice."""
        while True:
            number = f"{y % 100:02d}32{self.rng.randrange(10**16):016d}"
            if number not in self.receipts:
                self.receipts.add(number)
                return number

    def _violations(
        self,
        planned: dict[tuple[str, int, str], int],
        expenses: list[dict],
        first_receipt: dict[str, str],
    ) -> list[dict]:
        """The rule breaks the fund screens are meant to catch, placed in the lagging units."""
        y = self.year
        start = date(y, 1, 6)
        caoji = self.by_code.get("caoji", self.units[-1])
        xinzhuang = self.by_code.get("xinzhuang", self.units[0])
        zaohe = self.by_code.get("zaohe", self.units[1])
        rows = [
            # Over the approval threshold without a presidium decision.
            self._expense(
                caoji,
                y,
                self._day(start, date(y, 12, 31)),
                "platforms",
                self.threshold_fen + 185_000,
                purpose="代表联络站场所改造",
                approved=False,
            ),
            # Banned purposes.
            self._expense(
                xinzhuang,
                y,
                self._day(start, date(y, 12, 31)),
                "deputy_activities",
                180_000,
                purpose="春节前走访慰问代表购买购物卡",
            ),
            self._expense(
                caoji,
                y,
                self._day(start, date(y, 12, 31)),
                "other",
                240_000,
                purpose="代表活动纪念礼品采购",
            ),
            # Booked against this year's budget although it happened last December.
            self._expense(
                xinzhuang,
                y - 1,
                date(y - 1, 12, 28),
                "meetings",
                126_000,
                budget_year=y,
            ),
        ]
        # A receipt of another township, and one of the unit's own entered a second time.
        other = first_receipt.get(zaohe.code)
        if other:
            rows.append(
                self._expense(
                    xinzhuang,
                    y,
                    self._day(start, date(y, 12, 31)),
                    "inspection",
                    86_500,
                    receipt=other,
                )
            )
        own = first_receipt.get(caoji.code)
        if own:
            rows.append(
                self._expense(
                    caoji, y, self._day(start, date(y, 12, 31)), "meetings", 132_000, receipt=own
                )
            )
        # Training spent beyond its budget.
        budget = planned.get((caoji.code, y, "training"), 0)
        spent = sum(
            e["amount_fen"]
            for e in expenses
            if e["township_id"] == caoji.id
            and e["budget_year"] == y
            and e["category"] == "training"
        )
        extra = (budget - spent + budget // 8) // 10 * 10
        if extra > 0:
            rows.append(
                self._expense(
                    caoji,
                    y,
                    self._day(start, date(y, 12, 31)),
                    "training",
                    extra,
                    purpose="代表履职能力提升培训班费用",
                )
            )
        return rows
