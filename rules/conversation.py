"""The desk's conversation, whatever carries it: the Telegram bot and ``kcity chat`` both drive this.

A conversation is a small JSON-able ``state`` dict (language, questionnaire
step, answers so far) that the carrier stores and hands back with each event:
a command, a button press or a line of text. Each call changes the state in
place and returns a ``Turn``: what to say, with buttons, and sometimes an
action only the carrier can do (showing the chat's own application).

The guided eligibility check is declared as data, ``STEPS``: one question per
form field, asked in order, skipping those that do not apply. Free text is
read as the answer to the current step when it is one, and as a question
otherwise; questions are answered by ``rules.ask`` at any moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mail.texts import resolve_language
from rules import form, normalize
from rules.answer import KnowledgeBase, shipped_knowledge
from rules.ask import Reply, ask, call_sentence, topic_reply
from rules.eligibility import assess
from rules.phrases import LANGUAGE_NAMES, phrase
from rules.rounds import Round, load_rounds
from rules.timing import call_status
from rules.verdict import choice_label, describe_case, verdict_lines

__all__ = ["COMMANDS", "STATUS_ACTION", "STEPS", "Button", "Conversation", "Document", "Say", "Step", "Turn"]

STATUS_ACTION = "status"  # the carrier shows the application bound to the chat, if any


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # at most 64 bytes: Telegram's limit for callback data


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: str
    mime_type: str = "text/plain"


@dataclass(frozen=True)
class Say:
    text: str  # plain text: the carrier escapes it for its markup
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None
    replace: bool = False  # update the message whose button was pressed instead of sending a new one


@dataclass(frozen=True)
class Turn:
    says: tuple[Say, ...]
    action: str | None = None
    question: Reply | None = None  # set when a free question was answered: carriers record it


@dataclass(frozen=True)
class Step:
    id: str
    code: str  # the form field it fills
    kind: str  # choice, choices, country or amount
    options: tuple[str, ...] = ()
    applies: Callable[[dict], bool] = field(default=lambda answers: True)


# Support beyond the four plans: yes/no fields of their own on the form.
_EXTRA_SUPPORT = ("training", "consulting")

STEPS: tuple[Step, ...] = (
    Step("organization_type", "applicant.organization_type", "choice", form.ORGANIZATION_TYPES),
    Step("country", "applicant.country", "country"),
    Step("category", "project.category", "choice", form.CATEGORIES),
    Step("sectors", "project.sectors", "choices", form.SECTORS,
         applies=lambda answers: form.get(answers, "project.category") == "smart_solution"),
    Step("support", "support.requested", "choices", form.SUPPORT_TYPES + _EXTRA_SUPPORT),
    Step("status", "project.status", "choice", form.PROJECT_STATUSES),
    Step("amount", "budget.requested_amount", "amount"),
)
_STEP = {s.id: s for s in STEPS}

# name -> description per language: /help, Telegram's command menu and the README list these.
COMMANDS: dict[str, dict[str, str]] = {
    "start": {"en": "Welcome and menu", "ko": "시작 및 메뉴", "es": "Bienvenida y menú", "fr": "Accueil et menu"},
    "check": {"en": "Check eligibility step by step", "ko": "신청 자격 단계별 확인",
              "es": "Comprobar la elegibilidad paso a paso", "fr": "Vérifier l'éligibilité pas à pas"},
    "apply": {"en": "How to apply, and the form", "ko": "신청 방법과 신청서 양식", "es": "Cómo postular y el formulario",
              "fr": "Comment candidater, et le formulaire"},
    "deadline": {"en": "Is a call open? Days left", "ko": "공모 진행 여부와 남은 기간",
                 "es": "¿Hay una convocatoria abierta? Días restantes", "fr": "Un appel est-il ouvert ? Jours restants"},
    "status": {"en": "Follow my application", "ko": "내 신청 현황", "es": "Seguir mi solicitud",
               "fr": "Suivre ma candidature"},
    "language": {"en": "Change language", "ko": "언어 변경", "es": "Cambiar de idioma", "fr": "Changer de langue"},
    "help": {"en": "List the commands", "ko": "명령어 목록", "es": "Lista de órdenes", "fr": "Liste des commandes"},
}


class Conversation:
    """The desk's side of every conversation; holds no per-user data (that is ``state``)."""

    def __init__(
        self,
        *,
        desk_address: str,
        rounds: Sequence[Round] | None = None,
        knowledge: KnowledgeBase | None = None,
    ) -> None:
        self.desk_address = desk_address
        self.rounds = list(rounds) if rounds is not None else load_rounds()
        self.knowledge = knowledge or shipped_knowledge()  # the one answer() uses: loaded once

    # Events ------------------------------------------------------------------

    @staticmethod
    def new_state(language_code: str | None = None) -> dict:
        """A fresh conversation in the user's language (their Telegram language, when we write it)."""
        return {"lang": resolve_language(language_code), "chosen": False, "step": None, "answers": {},
                "trail": [], "picked": []}

    def start(self, state: dict, now: datetime) -> Turn:
        self._stop_check(state)
        return Turn((Say(phrase("welcome", state["lang"]), self._menu(state)),))

    def command(self, state: dict, name: str, argument: str, now: datetime) -> Turn:
        """``/name argument``; unknown names get the same answer as any unknown command."""
        lang = state["lang"]
        if name == "start":
            return self.start(state, now)
        if name == "check":
            return self._begin_check(state)
        if name == "apply":
            return self._how_to_apply(state, now)
        if name == "deadline":
            return self._dates(state, now)
        if name == "status":
            return Turn((Say(phrase("mine_how", lang)),), action=STATUS_ACTION)
        if name == "language":
            code = argument.strip().lower()[:2]
            if code in LANGUAGE_NAMES:
                return self._set_language(state, code)
            return Turn((Say(phrase("choose_language", lang), self._language_buttons()),))
        if name == "help":
            listed = "\n".join(f"/{c} — {d.get(lang, d['en'])}" for c, d in COMMANDS.items())
            return Turn((Say(phrase("help", lang, commands=listed)),))
        return Turn((Say(phrase("unknown_command", lang)),))

    def button(self, state: dict, data: str, now: datetime) -> Turn:
        kind, _, rest = data.partition(":")
        if kind == "menu":
            return self._menu_choice(state, rest, now)
        if kind == "lang" and rest in LANGUAGE_NAMES:
            return self._set_language(state, rest)
        if kind == "back":
            return self._back(state)
        if kind == "restart":
            return self._begin_check(state)
        topic_id, _, asked_in = rest.partition(":")
        if kind == "topic" and topic_id in self.knowledge.topics:  # a suggestion picked (see ``text``)
            lang = asked_in if asked_in in LANGUAGE_NAMES else state["lang"]  # the question's language
            reply = topic_reply(topic_id, now=now, lang=lang, rounds=self.rounds)
            if state.get("step"):
                return Turn((self._answer_say(reply), self._question(state)))
            return Turn((self._answer_say(reply),))
        step_id, _, value = rest.partition(":")
        if state.get("step") != step_id or step_id not in _STEP:
            # A button from an earlier question: ask the current one again rather than guess.
            return Turn((self._question(state),)) if state.get("step") else self.start(state, now)
        step = _STEP[step_id]
        if kind == "pick" and step.kind == "choice" and value in step.options:
            return self._record(state, step, value, now)
        if kind == "toggle" and step.kind == "choices" and value in step.options:
            picked = state["picked"]
            picked.remove(value) if value in picked else picked.append(value)
            return Turn((self._question(state, replace=True),))
        if kind == "done" and step.kind == "choices":
            return self._record(state, step, list(state["picked"]), now)
        if kind == "skip":
            return self._record(state, step, None, now)
        return Turn((self._question(state),))

    def text(self, state: dict, text: str, now: datetime) -> Turn:
        """A line the user wrote: an answer to the current step if it reads as one, else a question."""
        text = text.strip()
        if not text:
            return Turn(())
        step = _STEP.get(state.get("step") or "")
        if step is not None:
            value = _read(step, text)
            if value is not None:
                return self._record(state, step, value, now)
        reply = ask(text, now=now, lang=state["lang"] if state["chosen"] else None, rounds=self.rounds)
        lang = state["lang"]
        if step is not None:
            if reply.known:
                return Turn((self._answer_say(reply), self._question(state)), question=reply)
            text, offered = self._offer(reply, _not_understood(step, text, lang), lang)
            return Turn((Say(text, offered), self._question(state)), question=reply)
        text, offered = self._offer(reply, reply.text, reply.language)
        buttons = offered
        if reply.eligibility is not None or not reply.known:
            buttons = (*offered, (self._menu_button("check", lang), self._menu_button("apply", lang)))
        return Turn((Say(text, buttons),), question=reply)

    def _offer(self, reply: Reply, text: str, lang: str) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """``text``, and when the desk did not know but the question came near some topics, an offer
        to pick one of them (a button each), in ``lang``, the language ``text`` is in."""
        if reply.known or not reply.answer.suggestions:
            return text, ()
        topics = self.knowledge.topics
        buttons = tuple((Button(topics[tid].titles[lang], f"topic:{tid}:{lang}"),) for tid in reply.answer.suggestions)
        return text + "\n\n" + phrase("suggest_intro", lang), buttons

    # The guided check ----------------------------------------------------------

    def _begin_check(self, state: dict) -> Turn:
        state.update(step=STEPS[0].id, answers={}, trail=[], picked=[])
        return Turn((self._question(state),))

    def _stop_check(self, state: dict) -> None:
        state.update(step=None, trail=[], picked=[])

    def _record(self, state: dict, step: Step, value, now: datetime) -> Turn:
        answers = state["answers"]
        if step.id == "support" and value is not None:
            for extra in _EXTRA_SUPPORT:
                form.put(answers, f"support.{extra}", True if extra in value else None)
            value = [v for v in value if v not in _EXTRA_SUPPORT]
        form.put(answers, step.code, value or None)
        state["trail"].append(step.id)
        following = self._next_step(state, step)
        if following is None:
            return self._verdict(state, now)
        state["step"] = following.id
        state["picked"] = list(form.get(answers, following.code) or []) if following.kind == "choices" else []
        return Turn((self._question(state),))

    def _next_step(self, state: dict, after: Step) -> Step | None:
        later = STEPS[STEPS.index(after) + 1:]
        return next((s for s in later if s.applies(state["answers"])), None)

    def _back(self, state: dict) -> Turn:
        """To the previous question, forgetting its answer and every later one (they may no longer apply:
        sectors after a change of category). A multi-choice question shows its earlier ticks again."""
        if not state["trail"]:
            return self._begin_check(state)
        previous = _STEP[state["trail"].pop()]
        earlier = list(form.get(state["answers"], previous.code) or []) if previous.kind == "choices" else []
        for step in STEPS[STEPS.index(previous):]:
            form.put(state["answers"], step.code, None)
            if step.id == "support":
                for extra in _EXTRA_SUPPORT:
                    if form.get(state["answers"], f"support.{extra}"):
                        earlier.append(extra)
                    form.put(state["answers"], f"support.{extra}", None)
        state["step"] = previous.id
        state["picked"] = earlier
        return Turn((self._question(state),))

    def _question(self, state: dict, *, replace: bool = False) -> Say:
        lang, step = state["lang"], _STEP[state["step"]]
        rows: list[tuple[Button, ...]] = []
        if step.kind == "choice":
            rows += [(Button(self._option_label(o, lang), f"pick:{step.id}:{o}"),) for o in step.options]
        elif step.kind == "choices":
            buttons = [Button(("✓ " if o in state["picked"] else "") + self._option_label(o, lang),
                              f"toggle:{step.id}:{o}") for o in step.options]
            rows += [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
            rows.append((Button(phrase("button_done", lang), f"done:{step.id}"),))
        controls = [Button(phrase("button_skip", lang), f"skip:{step.id}")]
        if state["trail"]:
            controls.insert(0, Button(phrase("button_back", lang), "back"))
        rows.append(tuple(controls))
        rows.append((Button(phrase("button_restart", lang), "restart"), self._menu_button("home", lang)))
        number = f"({STEPS.index(step) + 1}/{len(STEPS)}) "
        return Say(number + phrase(f"q_{step.id}", lang), tuple(rows), replace=replace)

    def _option_label(self, option: str, lang: str) -> str:
        return phrase(f"button_{option}", lang) if option in _EXTRA_SUPPORT else choice_label(option, lang)

    def _verdict(self, state: dict, now: datetime) -> Turn:
        lang, answers = state["lang"], state["answers"]
        call = call_status(now, self.rounds)
        decision = assess(answers, call.round)
        track = call.round.track_for(form.get(answers, "project.category"))
        lines = [phrase("verdict_answers", lang, facts=describe_case(answers, lang) or "—"), "",
                 *verdict_lines(decision, answers, track, lang)]
        lines += ["", phrase("verdict_next", lang, address=self.desk_address), call_sentence(call, lang)]
        self._stop_check(state)
        buttons = ((self._menu_button("form", lang), Button(phrase("button_restart", lang), "restart")),
                   (self._menu_button("home", lang),))
        return Turn((Say("\n".join(lines), buttons),))

    # The menu ----------------------------------------------------------------

    def _menu(self, state: dict) -> tuple[tuple[Button, ...], ...]:
        lang = state["lang"]
        return tuple(
            tuple(self._menu_button(choice, lang) for choice in row)
            for row in (("check", "ask"), ("apply", "dates"), ("mine", "language"))
        )

    def _menu_button(self, choice: str, lang: str) -> Button:
        return Button(phrase("button_menu" if choice == "home" else f"button_{choice}", lang), f"menu:{choice}")

    def _menu_choice(self, state: dict, choice: str, now: datetime) -> Turn:
        lang = state["lang"]
        if choice == "check":
            return self._begin_check(state)
        if choice == "ask":
            self._stop_check(state)
            return Turn((Say(phrase("ask_prompt", lang)),))
        if choice == "apply":
            return self._how_to_apply(state, now)
        if choice == "form":
            return Turn((Say(phrase("form_caption", lang, address=self.desk_address), document=self.form(lang)),))
        if choice == "dates":
            return self._dates(state, now)
        if choice == "mine":
            return Turn((Say(phrase("mine_how", lang)),), action=STATUS_ACTION)
        if choice == "language":
            return Turn((Say(phrase("choose_language", lang), self._language_buttons()),))
        return Turn((Say(phrase("menu_prompt", lang), self._menu(state)),))

    def _how_to_apply(self, state: dict, now: datetime) -> Turn:
        lang = state["lang"]
        text = "\n\n".join([
            phrase("how_to_apply", lang, address=self.desk_address),
            call_sentence(call_status(now, self.rounds), lang),
            form.blank_form(lang),
        ])
        buttons = ((self._menu_button("form", lang), self._menu_button("check", lang)),)
        return Turn((Say(text, buttons),))

    def _dates(self, state: dict, now: datetime) -> Turn:
        lang = state["lang"]
        window = self.knowledge.topics["application_window"].answers[lang]
        timeline = self.knowledge.topics["selection_timeline"].answers[lang]
        return Turn((Say("\n\n".join([call_sentence(call_status(now, self.rounds), lang), window, timeline])),))

    def form(self, lang: str) -> Document:
        """The blank application form as a text file in ``lang``."""
        return Document(
            filename=f"k-city-application-form-{lang}.txt",
            content=(form.blank_form(lang) + "\n").encode("utf-8"),
            caption=phrase("form_caption", lang, address=self.desk_address),
        )

    def _set_language(self, state: dict, lang: str) -> Turn:
        state.update(lang=lang, chosen=True)
        says = [Say(phrase("language_set", lang))]
        says.append(self._question(state) if state.get("step") else Say(phrase("menu_prompt", lang), self._menu(state)))
        return Turn(tuple(says))

    def _language_buttons(self) -> tuple[tuple[Button, ...], ...]:
        return (tuple(Button(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()),)

    def _answer_say(self, reply: Reply, buttons=()) -> Say:
        return Say(reply.text, tuple(buttons))


def _read(step: Step, text: str):
    """``text`` as an answer to ``step``, or None when it is not one."""
    if step.kind == "choice":
        value = normalize.choice(step.code, text)
        return value if value in step.options else None
    if step.kind == "choices":
        values = [v for v in normalize.choices(step.code, text) or () if v in step.options]
        return values or None
    if step.kind == "country":
        return normalize.country(text)
    if step.kind == "amount":
        amount = normalize.amount(text)
        return amount if amount and amount.get("krw") else None
    return None


def _not_understood(step: Step, text: str, lang: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "…"
    if step.kind == "country":
        return phrase("not_understood_country", lang, text=shown)
    if step.kind == "amount":
        return phrase("not_understood_amount", lang, text=shown)
    return phrase("not_understood_choice", lang)

