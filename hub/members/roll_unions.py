"""Which union a roll row names: its code (dg-humen-garment) or its full name
(虎门镇服装行业联合工会), resolved against the importing account's subtree, read once per
import (one query), so rows are matched without a query each. An unknown or ambiguous value
is answered with the nearest names and where the codes are listed (the members page and the
template's 工会代码 sheet)."""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account, Level

WHERE_CODES = "基层工会的代码和全称见会员页「本账号之下的基层工会」或名册模板的「工会代码」工作表"
REASON_CHARS = 200  # RollRejection.reason's width
SUGGESTED = 3
SUGGESTION_CUTOFF = 0.5
SUGGESTED_VALUES = 500  # distinct unknown values given suggestions; the rest get WHERE_CODES


@dataclass(frozen=True)
class Union:
    id: int
    code: str
    name: str
    level: str
    path: str
    parent_name: str = ""

    @property
    def shown(self) -> str:
        return f"{self.name}（{self.code}）"


class UnionProblem(Exception):
    """A row's union value that names no grassroots union below the importing account."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason[:REASON_CHARS]


def name_key(text: str) -> str:
    """A name as compared: full-width brackets and letters folded (NFKC), spaces dropped."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").lower()


def subtree_unions(db: Session, account: Account) -> list[Union]:
    """Every account of `account`'s subtree (itself included), in tree order, with its
    parent's name (one query)."""
    found = db.execute(select(Account.id, Account.code, Account.name, Account.level,
                              Account.path, Account.parent_id)
                       .where(Account.path.startswith(account.path)).order_by(Account.path))
    rows = list(found)
    names = {row.id: row.name for row in rows}
    return [Union(row.id, row.code, row.name, row.level, row.path,
                  names.get(row.parent_id, "")) for row in rows]


def grassroots_below(db: Session, account: Account) -> list[Union]:
    """The grassroots unions a roll imported into `account` may name, in tree order."""
    return [union for union in subtree_unions(db, account) if union.level == Level.grassroots]


class UnionDirectory:
    """The unions of one import's subtree by code and by full name; `resolve` answers a row's
    value with its union or raises UnionProblem. Codes outside the subtree are looked up in
    `outside`, one query per chunk for the values not seen before."""

    def __init__(self, db: Session, account: Account):
        self.db, self.account = db, account
        self.grassroots: list[Union] = []
        self.by_code: dict[str, Union] = {}
        self.by_name: dict[str, list[Union]] = defaultdict(list)
        for union in subtree_unions(db, account):
            self.by_code[union.code.lower()] = union
            self.by_name[name_key(union.name)].append(union)
            if union.level == Level.grassroots:
                self.grassroots.append(union)
        self.elsewhere: dict[str, bool] = {}  # a code not below: does it exist at all?
        self.suggested: dict[str, str] = {}

    def look_outside(self, values) -> None:
        """Learn which of `values` not found below are codes of accounts elsewhere."""
        unknown = {value.lower() for value in values
                   if name_key(value) not in self.by_name} - self.by_code.keys()
        unknown -= self.elsewhere.keys()
        if not unknown:
            return
        known = set(self.db.scalars(select(Account.code).where(Account.code.in_(unknown))))
        self.elsewhere.update({value: value in known for value in unknown})

    def resolve(self, value: str) -> Union:
        union = self.by_code.get(value.lower()) or self._by_name(value)
        if union is None:
            if self.elsewhere.get(value.lower()):
                raise UnionProblem("union_outside", f"{value} 不在本账号之下")
            raise UnionProblem("union_unknown",
                               f"基层工会「{value}」不存在；{self._suggestion(value)}")
        if union.level != Level.grassroots:
            raise UnionProblem("union_not_grassroots", f"{value} 不是基层工会")
        return union

    def _by_name(self, value: str) -> Union | None:
        named = self.by_name.get(name_key(value))
        if not named:
            return None
        grassroots = [union for union in named if union.level == Level.grassroots]
        if len(grassroots) > 1:
            shown = "、".join(union.shown for union in grassroots[:SUGGESTED])
            raise UnionProblem("union_ambiguous",
                               f"有 {len(grassroots)} 个基层工会名为「{value}」：{shown}；"
                               "请改填其中一个的代码")
        return grassroots[0] if grassroots else named[0]

    def _suggestion(self, value: str) -> str:
        if value not in self.suggested:
            near = self.nearest(value) if len(self.suggested) < SUGGESTED_VALUES else []
            self.suggested[value] = f"相近的有：{'、'.join(u.shown for u in near)}" \
                if near else WHERE_CODES
        return self.suggested[value]

    def nearest(self, value: str) -> list[Union]:
        """Up to SUGGESTED grassroots unions whose name or code is closest to `value`."""
        key = name_key(value)
        scored = []
        for union in self.grassroots:
            by_name = difflib.SequenceMatcher(None, key, name_key(union.name))
            by_code = difflib.SequenceMatcher(None, key, union.code.lower())
            score = max(_ratio(by_name), _ratio(by_code))
            if score >= SUGGESTION_CUTOFF:
                scored.append((score, union.path, union))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [union for _, _, union in scored[:SUGGESTED]]


def _ratio(matcher: difflib.SequenceMatcher) -> float:
    # The cheap upper bounds first, as difflib.get_close_matches does.
    if matcher.real_quick_ratio() < SUGGESTION_CUTOFF or matcher.quick_ratio() < SUGGESTION_CUTOFF:
        return 0.0
    return matcher.ratio()
