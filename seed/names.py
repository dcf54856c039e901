"""Name parts for fictional people, villages and communities in the demo data.

Names are assembled at random from common parts, so they read as plausible northern-Jiangsu
names without belonging to anyone in particular. Nothing here is real personal data.
"""

import random

# Common surnames, the most frequent first; weights give the familiar skew (many 王, 张, 李).
SURNAMES: tuple[str, ...] = (
    "王", "张", "李", "刘", "陈", "朱", "孙", "徐", "周", "吴",
    "杨", "胡", "马", "蔡", "丁", "许", "赵", "黄", "仇", "顾",
    "沈", "卢", "邵", "葛", "魏", "高", "郑", "韩", "姜", "戴",
    "程", "曹", "袁", "彭", "宋", "唐", "范", "严", "倪", "潘",
    "汤", "侍", "卞", "史", "董", "蒋", "尹", "仲", "季", "陆",
    "夏", "叶", "秦", "任", "吕", "苏", "于", "谢", "郭", "何",
)  # fmt: skip
SURNAME_WEIGHTS: tuple[int, ...] = tuple(max(1, 30 - i) for i in range(len(SURNAMES)))

GIVEN_MALE: tuple[str, ...] = (
    "伟", "军", "强", "勇", "杰", "涛", "明", "超", "磊", "刚",
    "波", "辉", "峰", "斌", "建", "国", "华", "平", "海", "林",
    "东", "亮", "飞", "鹏", "宇", "浩", "成", "志", "文", "松",
    "庆", "春", "德", "宏", "永", "学", "兵", "祥", "广", "振",
)  # fmt: skip
GIVEN_FEMALE: tuple[str, ...] = (
    "芳", "娟", "敏", "静", "丽", "艳", "霞", "萍", "玲", "燕",
    "红", "梅", "琴", "云", "莉", "婷", "雪", "慧", "丹", "洁",
    "倩", "颖", "瑶", "佳", "月", "兰", "凤", "秀", "英", "晶",
)  # fmt: skip
GIVEN_SHARED: tuple[str, ...] = (
    "晓", "春", "秋", "新", "金", "玉", "小", "文", "永", "海",
    "长", "中", "立", "思", "嘉", "子", "雨", "欣", "安", "宁",
)  # fmt: skip

# Village names in the area are typically a surname or a landmark plus a settlement word.
VILLAGE_HEADS: tuple[str, ...] = (
    "王", "李", "张", "陈", "刘", "朱", "丁", "马", "孙", "徐",
    "新", "东", "西", "南", "北", "大", "小", "前", "后", "高",
    "黄", "双", "三", "五", "柳", "杨", "桃", "河", "湖", "金",
)  # fmt: skip
VILLAGE_TAILS: tuple[str, ...] = (
    "庄", "圩", "集", "湖", "河", "桥", "楼", "墩", "沟", "岗",
    "塘", "园", "洼", "湾", "营", "店", "口", "闸",
)  # fmt: skip
COMMUNITY_WORDS: tuple[str, ...] = (
    "幸福", "和平", "新华", "民主", "文昌", "振兴", "古城", "富民", "宏图", "运河",
    "项王", "黄河", "朝阳", "紫薇", "金鸡", "银杏", "龙泉", "清风", "明珠", "宿豫",
    "建设", "顺通", "锦绣", "新城", "东风", "育才", "安居", "双龙", "翠湖", "嶂山",
)  # fmt: skip

# Mobile prefixes in use on the mainland networks (1[3-9]x).
MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "173", "177", "180", "181", "182", "183", "187", "188", "189", "198", "199",
)  # fmt: skip


def person_name(rng: random.Random, gender: str) -> str:
    """A fictional two- or three-character name; ``gender`` is "M" or "F"."""
    surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    own = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    if rng.random() < 0.3:
        return surname + rng.choice(own)
    first = rng.choice(own + GIVEN_SHARED)
    return surname + first + rng.choice(own)


def mobile_phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def village_names(rng: random.Random, n: int, *, suffix: str = "村") -> list[str]:
    """``n`` distinct village names such as 王圩村 or 新河村."""
    pairs = [h + t for h in VILLAGE_HEADS for t in VILLAGE_TAILS]
    return [p + suffix for p in rng.sample(pairs, n)]


def community_names(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct urban community names such as 幸福社区."""
    return [w + "社区" for w in rng.sample(COMMUNITY_WORDS, n)]
