"""The demo: Guangdong's union tree with Dongguan's 33 towns and streets and Meizhou's 8
counties and districts, a few grassroots unions, the contract's editors and some posts.

Loading is idempotent: whatever already exists (by code or username) is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.accounts.services import create_account
from hub.attribution import demo as attribution_demo
from hub.campaigns import demo as campaigns_demo
from hub.kpis import demo as kpis_demo
from hub.members import demo as members_demo
from hub.posts import services as posts
from hub.posts.models import Post
from hub.users.models import User
from hub.users.services import create_user, grant_role

DEMO_PASSWORD = "gonghui-demo-2026"  # noqa: S105  (published in the README, demo only)

PROVINCE = ("guangdong", "广东省总工会", "province", "440000", "广东工会")
CITIES = [
    ("dongguan", "东莞市总工会", "city", "441900", "东莞工会", True),
    ("meizhou", "梅州市总工会", "city", "441400", "梅州工会", False),
]

# Dongguan has no districts: 4 streets, 28 towns and the Songshan Lake area (33 accounts).
DONGGUAN = [
    ("dg-guancheng", "莞城街道总工会", "street", "441900006"),
    ("dg-nancheng", "南城街道总工会", "street", "441900004"),
    ("dg-dongcheng", "东城街道总工会", "street", "441900003"),
    ("dg-wanjiang", "万江街道总工会", "street", "441900005"),
    ("dg-shijie", "石碣镇总工会", "town", "441900101"),
    ("dg-shilong", "石龙镇总工会", "town", "441900102"),
    ("dg-chashan", "茶山镇总工会", "town", "441900103"),
    ("dg-shipai", "石排镇总工会", "town", "441900104"),
    ("dg-qishi", "企石镇总工会", "town", "441900105"),
    ("dg-hengli", "横沥镇总工会", "town", "441900106"),
    ("dg-qiaotou", "桥头镇总工会", "town", "441900107"),
    ("dg-xiegang", "谢岗镇总工会", "town", "441900108"),
    ("dg-dongkeng", "东坑镇总工会", "town", "441900109"),
    ("dg-changping", "常平镇总工会", "town", "441900110"),
    ("dg-liaobu", "寮步镇总工会", "town", "441900111"),
    ("dg-zhangmutou", "樟木头镇总工会", "town", "441900112"),
    ("dg-dalang", "大朗镇总工会", "town", "441900113"),
    ("dg-huangjiang", "黄江镇总工会", "town", "441900114"),
    ("dg-qingxi", "清溪镇总工会", "town", "441900115"),
    ("dg-tangxia", "塘厦镇总工会", "town", "441900116"),
    ("dg-fenggang", "凤岗镇总工会", "town", "441900117"),
    ("dg-dalingshan", "大岭山镇总工会", "town", "441900118"),
    ("dg-changan", "长安镇总工会", "town", "441900119"),
    ("dg-humen", "虎门镇总工会", "town", "441900121"),
    ("dg-houjie", "厚街镇总工会", "town", "441900122"),
    ("dg-shatian", "沙田镇总工会", "town", "441900123"),
    ("dg-daojiao", "道滘镇总工会", "town", "441900124"),
    ("dg-hongmei", "洪梅镇总工会", "town", "441900125"),
    ("dg-machong", "麻涌镇总工会", "town", "441900126"),
    ("dg-wangniudun", "望牛墩镇总工会", "town", "441900127"),
    ("dg-zhongtang", "中堂镇总工会", "town", "441900128"),
    ("dg-gaobu", "高埗镇总工会", "town", "441900129"),
    ("dg-songshanhu", "松山湖总工会", "district", "441900401"),
]

MEIZHOU = [
    ("mz-meijiang", "梅江区总工会", "district", "441402"),
    ("mz-meixian", "梅县区总工会", "district", "441403"),
    ("mz-dabu", "大埔县总工会", "district", "441422"),
    ("mz-fengshun", "丰顺县总工会", "district", "441423"),
    ("mz-wuhua", "五华县总工会", "district", "441424"),
    ("mz-pingyuan", "平远县总工会", "district", "441426"),
    ("mz-jiaoling", "蕉岭县总工会", "district", "441427"),
    ("mz-xingning", "兴宁市总工会", "district", "441481"),
]

GRASSROOTS = [
    ("dg-humen", "dg-humen-garment", "虎门镇服装行业联合工会"),
    ("dg-humen", "dg-humen-port", "虎门港务职工工会"),
    ("dg-changan", "dg-changan-electronics", "长安镇电子行业联合工会"),
    ("dg-songshanhu", "dg-songshanhu-park", "松山湖高新区园区联合工会"),
    ("mz-meijiang", "mz-meijiang-hospital", "梅江区人民医院工会委员会"),
]

EDITORS = [
    ("gd-admin", "省总管理员", "guangdong", "admin"),
    ("dg-editor", "东莞编辑", "dongguan", "author"),
    ("dg-reviewer", "东莞审核员", "dongguan", "reviewer"),
    ("mz-editor", "梅州编辑", "meizhou", "author"),
    ("hm-editor", "虎门编辑", "dg-humen", "author"),
]

POSTS = [
    ("dongguan", "dg-editor", "dg-reviewer", "news",
     "东莞市总工会启动“暖企行动”，为新就业形态劳动者送清凉",
     "今年夏天，市总工会联合各镇街工会在全市设立 **120 个**户外劳动者服务站点，"
     "为快递员、外卖骑手和环卫工人提供饮水、休息和应急药品。\n\n"
     "- 服务时间：7 月至 9 月\n- 查询站点：关注所在镇街工会公众号"),
    ("meizhou", "mz-editor", None, "notice", "梅州市职工技能大赛报名通知",
     "梅州市第六届职工职业技能大赛即日起报名，设电工、焊工、茶艺师等 12 个工种。"
     "报名截止时间为本月 30 日。"),
]


def _account(db: Session, code: str) -> Account | None:
    return db.scalar(select(Account).where(Account.code == code))


def _ensure_account(db, code, name, level, region, parent, **profile) -> Account:
    return _account(db, code) or create_account(
        db, code=code, name=name, level=level, region_code=region, parent=parent, **profile)


def load_accounts(db: Session) -> None:
    code, name, level, region, short = PROVINCE
    province = _ensure_account(db, code, name, level, region, None, short_name=short,
                               intro="广东省总工会官方账号，统筹全省工会宣传与服务。")
    cities = {}
    for code, name, level, region, short, review in CITIES:
        cities[code] = _ensure_account(db, code, name, level, region, province,
                                       short_name=short, requires_review=review)
    for code, name, level, region in DONGGUAN:
        _ensure_account(db, code, name, level, region, cities["dongguan"])
    for code, name, level, region in MEIZHOU:
        _ensure_account(db, code, name, level, region, cities["meizhou"])
    for parent_code, code, name in GRASSROOTS:
        parent = _account(db, parent_code)
        _ensure_account(db, code, name, "grassroots", parent.region_code, parent)


def load_editors(db: Session) -> None:
    for username, display, account_code, role in EDITORS:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(db, username, DEMO_PASSWORD, display)
        grant_role(db, user, _account(db, account_code), role)


def _user(db: Session, username: str) -> User:
    return db.scalar(select(User).where(User.username == username))


def load_posts(db: Session) -> None:
    for account_code, author, reviewer, column, title, body in POSTS:
        if db.scalar(select(Post.id).where(Post.title == title)) is not None:
            continue
        writer = _user(db, author)
        post = posts.create_post(db, writer, _account(db, account_code),
                                 {"title": title, "body": body, "column": column})
        posts.publish_as(db, post, writer, _user(db, reviewer) if reviewer else None)


# Each city's own page beyond its columns: a topic holding its demo post, and three links to
# local services (example.com addresses: the demo points at nothing real).
TOPICS = [
    ("dongguan", "暖企行动·关爱新就业形态劳动者",
     "快递员、外卖骑手、环卫工人的夏日服务站点与关爱活动，一处看全。",
     "东莞市总工会启动“暖企行动”，为新就业形态劳动者送清凉"),
    ("meizhou", "技能强市·职工技能大赛",
     "梅州市职工职业技能大赛的报名、赛程与获奖名单。", "梅州市职工技能大赛报名通知"),
]
SERVICE_LINKS = [
    ("dongguan", "法律援助", "legal", "web", "https://legal.dongguan.example.com/apply", None),
    ("dongguan", "职工书屋预约", "books", "web", "https://books.dongguan.example.com/", None),
    ("dongguan", "困难帮扶申请", "help", "web", "https://help.dongguan.example.com/", None),
    ("meizhou", "法律援助", "legal", "web", "https://legal.meizhou.example.com/", None),
    # In the union mini-program itself: its welfare page lists the course seats to take.
    ("meizhou", "技能培训报名", "training", "miniprogram", None, "pages/welfare/index"),
    ("meizhou", "职工之家", "home", "web", "https://home.meizhou.example.com/", None),
]


def load_account_pages(db: Session) -> None:
    """The demo topics and service links (once: a second load finds them and adds none)."""
    from hub.accounts import services as accounts

    for code, title, summary, post_title in TOPICS:
        account = _account(db, code)
        if any(t.title == title for t in accounts.topics_of(db, account)):
            continue
        topic = accounts.create_topic(db, account, {"title": title, "summary": summary},
                                      actor=None)
        post_id = db.scalar(select(Post.id).where(Post.title == post_title))
        accounts.set_topic_posts(db, topic, [post_id] if post_id else [], actor=None)
    for code, name, icon, kind, url, path in SERVICE_LINKS:
        account = _account(db, code)
        if any(link.name == name for link in accounts.own_links(db, account)):
            continue
        accounts.create_link(db, account, {"name": name, "icon": icon, "kind": kind,
                                           "url": url, "mp_path": path}, actor=None)


def load_outlets(db: Session, config) -> None:
    """Each enabled adapter binds its own demo outlets (the hub names none of them)."""
    from hub import channels

    for channel in channels.all_channels():
        channel.load_demo(db, config)


def load(db: Session, config=None, *, history: bool = True) -> None:
    """The whole demo: accounts, editors, members, outlets (with a config), posts, campaigns,
    and, with `history`, 30 days of KPI history (the slowest part; most tests go without)."""
    load_accounts(db)
    load_editors(db)
    db.flush()
    members_demo.load_members(db, config)  # its rolls add grassroots unions: before outlets
    if config is not None:
        load_outlets(db, config)
        # Committed before anything is published: outlets check a post with sessions of
        # their own (e.g. the splash slot an outlet stands for), which see committed rows.
        db.commit()
    load_posts(db)
    load_account_pages(db)
    campaigns_demo.load(db, config)
    attribution_demo.load(db)
    if history:
        kpis_demo.load(db)  # 30 days of KPI history, after every account exists
