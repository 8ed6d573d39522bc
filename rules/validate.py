"""Check an application's fields against ``schema.json``: missing and invalid answers as Problems.

``validate(fields)`` returns at most one Problem per form field, in form order,
each in words an applicant can act on and with the form's example. The schema,
applied by jsonschema's ``Draft202012Validator``, is the authority. Because
that validator takes half a millisecond or more a document, a predicate compiled
from the same schema answers the common case (nothing wrong) in tens of
microseconds; a test checks that the two agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib.resources import files

from jsonschema import Draft202012Validator, FormatChecker

from rules import form
from rules.problem import Problem

__all__ = ["SCHEMA", "validate"]

SCHEMA: dict = json.loads(files("rules").joinpath("schema.json").read_text(encoding="utf-8"))
Draft202012Validator.check_schema(SCHEMA)

_FORMATS = FormatChecker()
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


# jsonschema's own "email" check only looks for an "@"; a reply to "ana@" would bounce.
@_FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or _EMAIL.fullmatch(value) is not None


def validate(fields: dict) -> list[Problem]:
    """Problems with an application's nested fields, in form order; [] when it is complete and valid."""
    answers = _answered(fields)
    if _fast_is_valid(answers):
        return []
    found: dict[str, str] = {}  # form code -> "missing" or "invalid"; the first error wins
    for error in _VALIDATOR.iter_errors(answers):
        for code, kind in _codes_of(error):
            found.setdefault(code, kind)
    return [_problem(f, found[f.code], form.get(answers, f.code)) for f in form.FIELDS if f.code in found]


def _answered(fields: dict) -> dict:
    """The fields without blank answers, so that a blank reads as missing, not invalid."""
    if not isinstance(fields, dict):
        raise TypeError(f"fields must be a dict of sections, not {type(fields).__name__}")
    answered = {}
    for section, values in fields.items():
        if not isinstance(values, dict):
            raise TypeError(f"fields[{section!r}] must be a dict of answers, not {type(values).__name__}")
        answered[section] = {name: v for name, v in values.items() if not _blank(v)}
    return answered


def _blank(value: object) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _codes_of(error) -> list[tuple[str, str]]:
    """The form codes a jsonschema error is about, each with "missing" or "invalid"."""
    path = list(error.absolute_path)
    if len(path) >= 2:  # inside a field: an amount without its currency is an invalid amount
        return [(f"{path[0]}.{path[1]}", "invalid")]
    if error.validator == "required":
        absent = [name for name in error.validator_value if name not in error.instance]
        if not path:  # a whole section is absent: each of its required fields is missing
            return [(f.code, "missing") for f in form.FIELDS if f.required and f.path[0] in absent]
        return [(f"{path[0]}.{name}", "missing") for name in absent]
    return []  # the sections themselves are dicts: _answered() saw to it


# Messages ------------------------------------------------------------------


def _problem(f: form.Field, kind: str, value: object) -> Problem:
    message = _missing_message(f) if kind == "missing" else _invalid_message(f, value)
    return Problem(field=f.code, kind=kind, message=message, example=f.example)


def _missing_message(f: form.Field) -> str:
    if f.required_when and not f.required:
        other, value = f.required_when
        return f"{f.label()} is missing; it is needed when {form.field(other).label().lower()} is {_words(value)}."
    return f"{f.label()} is missing."


def _invalid_message(f: form.Field, value: object) -> str:
    label = f.label()
    match f.kind:
        case "country":
            return (
                f"We could not recognise {_quoted(value)} as a country; please give the country's name "
                "in English, Korean, Spanish or French."
            )
        case "choice":
            return f"{label} must be one of: {', '.join(map(_words, f.choices))}."
        case "choices":
            return f"{label} must be one or more of: {', '.join(map(_words, f.choices))}, each listed once."
        case "yes_no":
            return f"{label} must be yes or no."
        case "email":
            return f"We could not read {_quoted(value)} as an email address."
        case "phone":
            return f"We could not read {_quoted(value)} as a phone number; please include the country code."
        case "amount":
            if not isinstance(value, dict):  # the extractor kept what it could not read
                return f"We could not read {_quoted(value)} as an amount; please write the figure and its currency."
            currency = value.get("currency")
            if not currency:
                return f"{label} has no currency; please state it in KRW or USD."
            if currency not in ("KRW", "USD"):  # the call states its cap in these two
                return f"{label} is in {_quoted(currency)}; please state it in KRW or USD."
            return f"{label} must be an amount above zero in KRW or USD."
    limit = _MAX_LENGTH.get(f.code)
    if isinstance(value, str) and limit and len(value) > limit:
        return f"{label} is too long: please keep it to {limit:,} characters."
    return f"{label} must be text."


def _words(code: str) -> str:
    return code.replace("pre_", "pre-").replace("_", " ")


def _quoted(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _subschema(code: str) -> dict:
    section, name = code.split(".", 1)
    node = SCHEMA["properties"][section]["properties"][name]
    while "$ref" in node:
        node = _resolve(node["$ref"])
    return node


def _resolve(ref: str) -> dict:
    if not ref.startswith("#/"):
        raise ValueError(f"schema.json may only refer inside itself, not to {ref!r}")
    node = SCHEMA
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _inlined(node):
    """The schema with each $ref replaced by its target: jsonschema then runs twice as fast."""
    if isinstance(node, dict):
        if "$ref" in node:
            if len(node) > 1:
                raise ValueError(f"schema.json: keep $ref alone in its object, not beside {sorted(node)}")
            return _inlined(_resolve(node["$ref"]))
        return {key: _inlined(value) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inlined(item) for item in node]
    return node


_MAX_LENGTH = {f.code: _subschema(f.code).get("maxLength") for f in form.FIELDS if f.kind == "text"}
_VALIDATOR = Draft202012Validator(_inlined(SCHEMA), format_checker=_FORMATS)


# The fast check ----------------------------------------------------------------
#
# A predicate per schema node, for the keywords schema.json uses; anything else
# fails at import, so a new keyword cannot slip past it unnoticed.

Check = Callable[[object], bool]

_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    # As in JSON Schema: 2.0 is an integer; true is not a number.
    "integer": lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer()),
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
}
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "then"}  # "then" goes with "if"


def _compile(schema: dict) -> Check:
    checks = [_keyword(key, value, schema) for key, value in schema.items() if key not in _ANNOTATIONS]
    if len(checks) == 1:
        return checks[0]

    def check_all(x: object) -> bool:
        for check in checks:  # a plain loop: all() over a generator costs twice as much here
            if not check(x):
                return False
        return True

    return check_all


def _keyword(key: str, value, schema: dict) -> Check:
    is_str, is_list, is_dict = _TYPES["string"], _TYPES["array"], _TYPES["object"]
    is_num = _TYPES["number"]
    match key:
        case "$ref":
            return _compile(_resolve(value))
        case "type":
            return _TYPES[value]
        case "enum" | "const" if all(isinstance(v, str) for v in (value if key == "enum" else [value])):
            allowed = frozenset(value if key == "enum" else [value])
            return lambda x: isinstance(x, str) and x in allowed
        case "required":
            return lambda x: not is_dict(x) or all(name in x for name in value)
        case "properties":
            subs = [(name, _compile(sub)) for name, sub in value.items()]

            def check_properties(x: object) -> bool:
                if is_dict(x):
                    for name, check in subs:
                        if name in x and not check(x[name]):
                            return False
                return True

            return check_properties
        case "if":
            condition, then = _compile(value), _compile(schema.get("then", {}))
            return lambda x: not condition(x) or then(x)
        case "items":
            sub = _compile(value)
            return lambda x: not is_list(x) or all(map(sub, x))
        case "minItems":
            return lambda x: not is_list(x) or len(x) >= value
        case "uniqueItems" if value:
            return lambda x: not is_list(x) or _unique(x)
        case "minLength":
            return lambda x: not is_str(x) or len(x) >= value
        case "maxLength":
            return lambda x: not is_str(x) or len(x) <= value
        case "pattern":
            search = re.compile(value).search
            return lambda x: not is_str(x) or search(x) is not None
        case "format":
            return lambda x: _FORMATS.conforms(x, value)
        case "minimum":
            return lambda x: not is_num(x) or x >= value
        case "exclusiveMinimum":
            return lambda x: not is_num(x) or x > value
    raise ValueError(f"schema.json uses {key}: {value!r}, which the fast check in rules/validate.py does not know")


def _unique(items: list) -> bool:
    try:  # (is it a bool?) keeps true and 1 apart, as JSON does
        return len({(isinstance(i, bool), i) for i in items}) == len(items)
    except TypeError:  # unhashable items: compare them pairwise
        return all(a != b for n, a in enumerate(items) for b in items[n + 1 :])


_fast_is_valid: Check = _compile(SCHEMA)
