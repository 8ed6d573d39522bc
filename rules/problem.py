"""A problem with an application: a missing or invalid field, in words an applicant can act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    field: str  # a form code, e.g. "applicant.country"
    kind: str  # "missing" or "invalid"
    message: str  # plain English: why it is a problem
    example: str  # a good value, as an applicant would write it

    def as_dict(self) -> dict:
        return {"field": self.field, "kind": self.kind, "message": self.message, "example": self.example}
