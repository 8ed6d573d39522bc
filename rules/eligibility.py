"""Is an application within the call? ``assess()`` answers with a Decision whose every Reason cites it.

The rules, in the order their reasons are listed:

- organization type: the call's applicant types are fine; a private company
  alone is ineligible; any type the call does not cover goes to a person;
- country: Korea shares its experience with partner countries, so KR is ineligible;
- project category, sectors and support: each must be one the track offers;
- an ongoing project is fine where the track says so (2020 does);
- a requested amount outside the cap is flagged for a person, not refused;
- an application sent outside the window is flagged early or late, not refused.

Status: INELIGIBLE (a blocking reason) over NEEDS_REVIEW (only flags) over
UNDETERMINED (a deciding answer missing) over ELIGIBLE.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules import form
from rules.decision import ELIGIBLE, INELIGIBLE, NEEDS_REVIEW, UNDETERMINED, Decision, Reason
from rules.rounds import CITATION_GAP, Cap, Round, Track

__all__ = ["DECIDING_CODES", "REASON_CODES", "assess"]

# Without these the call cannot be applied at all; other gaps are validate()'s business.
DECIDING_CODES = ("applicant.organization_type", "applicant.country")

# Stable: replies, the store and exports key on them. The last two only a later
# round's data can raise (a floor to the cap; a track closed to ongoing projects).
REASON_CODES = (
    "applicant_private_only",
    "applicant_type_not_covered",
    "country_korea",
    "category_not_offered",
    "sector_not_offered",
    "support_not_offered",
    "over_cap",
    "late",
    "early",
    "under_min",
    "ongoing_not_offered",
)

_REVIEW = "A person will review it."


def assess(answers: dict, round: Round, *, submitted_at: datetime | None = None) -> Decision:
    """The round's verdict on an application's nested fields (answered so far) sent at ``submitted_at``."""
    track = round.track_for(form.get(answers, "project.category"))
    reasons = [
        *_organization_type(answers, track),
        *_country(answers, track),
        *_category(answers, track),
        *_sectors(answers, track),
        *_support(answers, track),
        *_project_status(answers, track),
        *_amount(answers, track.cap),
        *_timing(submitted_at, track),
    ]
    missing = tuple(code for code in DECIDING_CODES if _blank(form.get(answers, code)))
    if any(r.blocking for r in reasons):
        return Decision(INELIGIBLE, tuple(reasons))
    if reasons:
        return Decision(NEEDS_REVIEW, tuple(reasons), missing)
    if missing:
        return Decision(UNDETERMINED, missing=missing)
    return Decision(ELIGIBLE)


def _organization_type(answers: dict, track: Track) -> Iterator[Reason]:
    kind = form.get(answers, "applicant.organization_type")
    applicants = track.applicants
    if _blank(kind) or kind in applicants.eligible:
        return
    if kind in applicants.excluded:
        yield Reason(
            "applicant_private_only",
            "Applicants are limited to governments (central or local) and public-sector entities and companies; "
            "a private company cannot apply on its own.",
            applicants.citation,
        )
    else:
        yield Reason(
            "applicant_type_not_covered",
            "The call names governments (central or local) and public-sector entities and companies as applicants; "
            f"it does not say whether {_kind_of_organization(kind)} can apply. {_REVIEW}",
            applicants.citation,
            blocking=False,
        )


def _country(answers: dict, track: Track) -> Iterator[Reason]:
    country = form.get(answers, "applicant.country")
    if isinstance(country, str) and country.strip().upper() in track.countries.excluded:
        yield Reason(
            "country_korea",
            "The program is for Korea's partner countries, with which Korea shares its smart city experience; "
            "an organization in Korea cannot apply.",
            track.countries.citation,
        )


def _category(answers: dict, track: Track) -> Iterator[Reason]:
    category = form.get(answers, "project.category")
    if not _blank(category) and category not in track.categories:
        yield Reason(
            "category_not_offered",
            f"The call takes {_listed(track.categories.codes, 'or')} projects; {_quoted(category)} is not one of them.",
            track.categories.citation,
        )


def _sectors(answers: dict, track: Track) -> Iterator[Reason]:
    others = [s for s in _as_list(form.get(answers, "project.sectors")) if s not in track.sectors]
    if others:
        yield Reason(
            "sector_not_offered",
            f"The call covers smart solutions in {_listed(track.sectors.codes, 'and')}; "
            f"{_listed(map(_quoted, others), 'and')} {'is' if len(others) == 1 else 'are'} not among them.",
            track.sectors.citation,
        )


def _support(answers: dict, track: Track) -> Iterator[Reason]:
    others = [s for s in _as_list(form.get(answers, "support.requested")) if s not in track.support]
    citations = [track.support.citation] if others else []
    offered = [_words(code) for code in track.support.codes]
    for code, offer, name in (("training", track.training, "training in Korea"),
                              ("consulting", track.consulting, "technical consulting")):
        if offer.offered:
            offered.append(name)
        elif form.get(answers, f"support.{code}") is True:
            others.append(code)
            citations.append(offer.citation)
    if others:
        yield Reason(
            "support_not_offered",
            f"The call offers {_listed(offered, 'and')}; {_listed(map(_quoted, others), 'and')} "
            f"{'is' if len(others) == 1 else 'are'} not offered.",
            CITATION_GAP.join(citations),
        )


def _project_status(answers: dict, track: Track) -> Iterator[Reason]:
    # 2020: "Existing projects underway now can also benefit" - an ongoing project is fine.
    if form.get(answers, "project.status") == "ongoing" and not track.ongoing_projects.offered:
        yield Reason(
            "ongoing_not_offered",
            "This call is for new projects; projects already under way are not covered.",
            track.ongoing_projects.citation,
        )


def _amount(answers: dict, cap: Cap) -> Iterator[Reason]:
    # KRW as normalize.amount() converts it, at the call's own rate: USD 850,000 is exactly the cap.
    amount = form.get(answers, "budget.requested_amount")
    krw = amount.get("krw") if isinstance(amount, dict) else None
    if not _is_number(krw):
        return
    if krw > cap.max_krw:
        yield Reason(
            "over_cap",
            f"The call plans up to {_cap_text(cap)} per project; the request is {_asked(amount)}. {_REVIEW}",
            cap.citation,
            blocking=False,
        )
    if cap.min_krw is not None and krw < cap.min_krw:
        yield Reason(
            "under_min",
            f"The call plans at least {_money('KRW', cap.min_krw)} per project; the request is {_asked(amount)}. "
            f"{_REVIEW}",
            cap.citation,
            blocking=False,
        )


def _timing(submitted_at: datetime | None, track: Track) -> Iterator[Reason]:
    if submitted_at is None:
        return
    window = track.window
    position = window.position(submitted_at)
    if position == "open":
        return
    zone = ZoneInfo(window.timezone)
    sent = _day(submitted_at.astimezone(zone).date())
    place = window.timezone.split("/")[-1].replace("_", " ")
    if position == "late":
        message = f"The application was sent on {sent} ({place} time), after the call closed on {_day(window.closes)}."
    else:
        message = f"The application was sent on {sent} ({place} time), before the call opened on {_day(window.opens)}."
    yield Reason(position, f"{message} {_REVIEW}", window.citation, blocking=False)


# Words -----------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _as_list(value: object) -> list:
    if _blank(value):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _words(code: str) -> str:
    return code.replace("pre_", "pre-").replace("_", " ")


def _quoted(value: object) -> str:
    return f"'{_words(value) if isinstance(value, str) else value}'"


def _listed(items, conjunction: str) -> str:
    words = [item if item.startswith("'") else _words(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _kind_of_organization(kind: object) -> str:
    if kind == "other":
        return "other kinds of organization"
    words = _words(str(kind))
    return f"{'an' if words[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {words}"


def _money(currency: str, value: float) -> str:
    return f"{currency} {value:,.0f}" if float(value).is_integer() else f"{currency} {value:,.2f}"


def _asked(amount: dict) -> str:
    """The amount as written, with its KRW value when written in another currency."""
    krw = _money("KRW", amount["krw"])
    if amount.get("currency") in (None, "KRW") or not _is_number(amount.get("amount")):
        return krw
    return f"{_money(amount['currency'], amount['amount'])} ({krw})"


def _cap_text(cap: Cap) -> str:
    usd = f" ({_money('USD', cap.max_usd)})" if cap.max_usd is not None else ""
    return f"{_money('KRW', cap.max_krw)}{usd}"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
