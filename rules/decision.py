"""The eligibility engine's answer: a status and the reasons for it, each citing the call."""

from __future__ import annotations

from dataclasses import dataclass, field

ELIGIBLE = "eligible"
INELIGIBLE = "ineligible"
NEEDS_REVIEW = "needs_review"
UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class Reason:
    code: str  # stable, e.g. "applicant_private_only", "country_korea", "over_cap", "late"
    message: str  # plain English
    citation: str  # the sentence of the call this rule comes from, verbatim
    # Reasons that flag without deciding (over the cap, late) have blocking=False.
    blocking: bool = True

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "citation": self.citation, "blocking": self.blocking}


@dataclass(frozen=True)
class Decision:
    status: str  # ELIGIBLE, INELIGIBLE, NEEDS_REVIEW or UNDETERMINED
    reasons: tuple[Reason, ...] = ()
    missing: tuple[str, ...] = field(default=())  # form codes whose answers would settle it

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "reasons": [r.as_dict() for r in self.reasons],
            "missing": list(self.missing),
        }
