"""The eligibility engine's Decision in the user's language, with the call's words behind each reason.

The engine's own messages are English; here each reason code has a phrase in
every language, filled from the answers and the round the way the engine
fills its English one.
"""

from __future__ import annotations

from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from mail.texts import texts_for
from rules import form
from rules.decision import ELIGIBLE, INELIGIBLE, NEEDS_REVIEW, UNDETERMINED, Decision
from rules.phrases import phrase
from rules.rounds import CITATION_GAP, Track

__all__ = ["choice_label", "country_name", "day", "describe_case", "money", "verdict_lines"]

_HEADLINES = {
    ELIGIBLE: "verdict_eligible",
    INELIGIBLE: "verdict_ineligible",
    NEEDS_REVIEW: "verdict_needs_review",
}


def verdict_lines(decision: Decision, answers: dict, track: Track, lang: str, *, cite: bool = True) -> list[str]:
    """The headline, then each reason (and the call's sentence behind it) as its own line."""
    if decision.status == UNDETERMINED:
        missing = texts_for(lang).list_separator.join(form.field(c).label(lang) for c in decision.missing)
        return [phrase("verdict_undetermined", lang, missing=missing)]
    lines = [phrase(_HEADLINES[decision.status], lang)]
    for reason in decision.reasons:
        lines.append("• " + _reason(reason.code, answers, track, lang))
        if cite:
            lines += ["  " + phrase("cited", lang, quote=q) for q in reason.citation.split(CITATION_GAP)]
    if decision.status == NEEDS_REVIEW and decision.missing:
        missing = texts_for(lang).list_separator.join(form.field(c).label(lang) for c in decision.missing)
        lines.append(phrase("verdict_undetermined", lang, missing=missing))
    return lines


def describe_case(answers: dict, lang: str) -> str:
    """"organization type: local government; country: Peru" in ``lang``."""
    t = texts_for(lang)
    parts = []
    for code, value in form.flatten(answers).items():
        if value in (None, "", []):
            continue
        field = form.field(code)
        if field.kind == "country":
            shown = country_name(value, lang)
        elif field.kind == "amount":
            shown = money(value, lang)
        elif field.kind == "yes_no":
            shown = t.yes if value else t.no
        elif isinstance(value, list):
            shown = t.list_separator.join(choice_label(v, lang) for v in value)
        else:
            shown = choice_label(value, lang)
        parts.append(phrase("answer_recorded", lang, label=field.label(lang), value=shown))
    return "; ".join(parts)


def choice_label(code: str, lang: str) -> str:
    return texts_for(lang).choices.get(code) or str(code).replace("_", " ")


def country_name(code: str, lang: str) -> str:
    return Locale.parse(lang).territories.get(str(code).upper()) or str(code)


def money(amount: dict | int, lang: str) -> str:
    """KRW 2,000,000,000 in the language's digits; the currency written as asked when not KRW."""
    if isinstance(amount, dict):
        if amount.get("currency") not in (None, "KRW") and amount.get("amount") is not None:
            return f"{amount['currency']} {format_decimal(amount['amount'], locale=lang)}"
        amount = amount.get("krw") or amount.get("amount")
    return f"KRW {format_decimal(amount, locale=lang)}"


def day(value: date, lang: str) -> str:
    return format_date(value, format="long", locale=lang)


def _reason(code: str, answers: dict, track: Track, lang: str) -> str:
    t = texts_for(lang)

    def listed(codes) -> str:
        return t.list_separator.join(choice_label(c, lang) for c in codes)

    values: dict[str, str] = {}
    if code == "applicant_type_not_covered":
        values["kind"] = choice_label(form.get(answers, "applicant.organization_type"), lang)
    elif code == "category_not_offered":
        values.update(offered=listed(track.categories.codes), asked=choice_label(form.get(answers, "project.category"), lang))
    elif code == "sector_not_offered":
        others = [s for s in form.get(answers, "project.sectors") or () if s not in track.sectors]
        values.update(offered=listed(track.sectors.codes), asked=listed(others))
    elif code == "support_not_offered":
        others = [s for s in form.get(answers, "support.requested") or () if s not in track.support]
        others += [phrase(f"button_{k}", lang) for k in ("training", "consulting")
                   if form.get(answers, f"support.{k}") is True and not getattr(track, k).offered]
        offered = [choice_label(c, lang) for c in track.support.codes]
        offered += [phrase(f"button_{k}", lang) for k in ("training", "consulting") if getattr(track, k).offered]
        values.update(offered=t.list_separator.join(offered), asked=t.list_separator.join(others))
    elif code in ("over_cap", "under_min"):
        asked = form.get(answers, "budget.requested_amount") or {}
        values["asked"] = money(asked, lang)
        values["cap"] = money(track.cap.max_krw, lang) + (
            f" (USD {format_decimal(track.cap.max_usd, locale=lang)})" if track.cap.max_usd else "")
        values["minimum"] = money(track.cap.min_krw or 0, lang)
    elif code == "late":
        values["closes"] = day(track.window.closes, lang)
    elif code == "early":
        values["opens"] = day(track.window.opens, lang)
    return phrase(f"reason_{code}", lang, **values)
