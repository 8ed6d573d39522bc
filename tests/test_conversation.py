"""The guided conversation, driven only through its public API as a carrier (the bot, ``kcity chat``) would."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from rules import form
from rules.conversation import COMMANDS, STEPS, Conversation, Document, Turn
from rules.form import LANGUAGES

NOW = datetime(2020, 2, 10, 9, 0, tzinfo=timezone.utc)  # the 2020 call is open, 39 days left
DESK = "desk@kcity.test"
CAP_SENTENCE = "Korea plans to allocate up to one billion KRW or 0.85 million USD per project."

# What a user in each language types at the country and amount steps.
TYPED = {
    "en": ("Peru", "2 billion KRW"),
    "ko": ("페루", "20억 원"),
    "es": ("Perú", "2.000 millones de wones"),
    "fr": ("Pérou", "2 milliards de wons"),
}
# Words only the localized text has.
PERU = {"en": "Country: Peru", "ko": "국가: 페루", "es": "País: Perú", "fr": "Pays : Pérou"}
NEEDS_REVIEW = {
    "en": "a person on the program team would have to look at this application",
    "ko": "프로그램 담당자의 검토가 필요합니다",
    "es": "una persona del equipo del programa tendría que examinar esta solicitud",
    "fr": "une personne de l'équipe du programme devrait examiner cette candidature",
}
OVER_CAP = {"en": "you would ask for", "ko": "요청 금액은", "es": "usted solicitaría", "fr": "vous demanderiez"}
CITED = {
    "en": f"The call: “{CAP_SENTENCE}”",
    "ko": f"공모 안내문: “{CAP_SENTENCE}”",
    "es": f"La convocatoria: “{CAP_SENTENCE}”",
    "fr": f"L'appel : « {CAP_SENTENCE} »",
}
NEXT_STEP = {"en": "Next step", "ko": "다음 단계", "es": "Siguiente paso", "fr": "Étape suivante"}
DAYS_39 = {"en": "39 days", "ko": "39일", "es": "39 días", "fr": "39 jours"}
Q_COUNTRY = {"en": "Write the country's name", "ko": "국가 이름을 입력해 주십시오", "es": "Escriba el nombre del país",
             "fr": "Écrivez le nom du pays"}
Q_CATEGORY = {"en": "Which kind of project is it?", "ko": "어떤 유형의 사업입니까?", "es": "¿Qué tipo de proyecto es?",
              "fr": "De quel type de projet s'agit-il ?"}


class Desk:
    """A carrier: keeps one chat's state, checks it stays JSON after every turn, as a store would keep it."""

    def __init__(self, lang: str | None = "en") -> None:
        self.conversation = Conversation(desk_address=DESK)
        self.state = self.conversation.new_state(lang)
        self.turns: list[Turn] = []

    def _keep(self, turn: Turn) -> Turn:
        assert isinstance(turn, Turn)
        stored = json.dumps(self.state, ensure_ascii=False)
        assert json.loads(stored) == self.state
        self.state = json.loads(stored)  # the next event gets the stored copy, as from a database
        self.turns.append(turn)
        return turn

    def start(self) -> Turn:
        return self._keep(self.conversation.start(self.state, NOW))

    def press(self, data: str) -> Turn:
        return self._keep(self.conversation.button(self.state, data, NOW))

    def write(self, text: str) -> Turn:
        return self._keep(self.conversation.text(self.state, text, NOW))

    def command(self, name: str, argument: str = "") -> Turn:
        return self._keep(self.conversation.command(self.state, name, argument, NOW))

    @property
    def answers(self) -> dict:
        return self.state["answers"]

    def get(self, code: str):
        return form.get(self.state["answers"], code)


def text_of(turn: Turn) -> str:
    return "\n".join(say.text for say in turn.says)


def data_of(turn: Turn) -> list[str]:
    return [b.data for say in turn.says for row in say.buttons for b in row]


def labels_of(turn: Turn) -> list[str]:
    return [b.label for say in turn.says for row in say.buttons for b in row]


def button(turn: Turn, data: str):
    return next(b for say in turn.says for row in say.buttons for b in row if b.data == data)


def at(desk: Desk, step: str) -> None:
    """Drive a fresh check to ``step`` with ordinary answers (smart solution, so sectors are asked)."""
    desk.press("menu:check")
    route = [("organization_type", lambda: desk.press("pick:organization_type:local_government")),
             ("country", lambda: desk.write(TYPED[desk.state["lang"]][0])),
             ("category", lambda: desk.press("pick:category:smart_solution")),
             ("sectors", lambda: (desk.press("toggle:sectors:transportation"), desk.press("done:sectors"))),
             ("support", lambda: (desk.press("toggle:support:master_plan"), desk.press("done:support"))),
             ("status", lambda: desk.press("pick:status:new"))]
    for step_id, answer in route:
        if desk.state["step"] == step:
            return
        assert desk.state["step"] == step_id
        answer()
    assert desk.state["step"] == step


# --- the whole check, in each language -----------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_whole_check_in_each_language(lang):
    desk = Desk(lang)
    welcome = desk.start()
    assert "menu:check" in data_of(welcome)
    turn = desk.press("menu:check")
    assert turn.says[0].text.startswith("(1/7) ")
    desk.press("pick:organization_type:local_government")
    country, amount = TYPED[lang]
    turn = desk.write(country)
    assert Q_CATEGORY[lang] in text_of(turn)
    desk.press("pick:category:smart_solution")
    desk.press("toggle:sectors:transportation")
    desk.press("done:sectors")
    desk.press("toggle:support:master_plan")
    desk.press("done:support")
    desk.press("pick:status:new")
    verdict = desk.write(amount)

    text = text_of(verdict)
    assert PERU[lang] in text
    assert NEEDS_REVIEW[lang] in text
    assert OVER_CAP[lang] in text
    assert CITED[lang] in text
    assert NEXT_STEP[lang] in text and DESK in text
    assert DAYS_39[lang] in text  # today's state of the call
    assert "menu:form" in data_of(verdict) and "restart" in data_of(verdict)
    # The check is over; the answers stay for the carrier to show.
    assert desk.state["step"] is None
    assert desk.get("applicant.country") == "PE"
    assert desk.get("budget.requested_amount")["krw"] == 2_000_000_000
    assert desk.get("project.sectors") == ["transportation"]
    assert desk.get("support.requested") == ["master_plan"]


def test_an_eligible_check_says_it_fits():
    desk = Desk("en")
    at(desk, "status")
    desk.press("pick:status:ongoing")
    verdict = desk.write("USD 500,000")
    assert "From what you told me, the project fits the call." in text_of(verdict)
    assert desk.get("budget.requested_amount")["usd"] == 500_000


def test_a_korean_city_is_told_it_cannot_apply():
    desk = Desk("ko")
    desk.press("menu:check")
    desk.press("pick:organization_type:local_government")
    desk.write("대한민국")
    assert desk.get("applicant.country") == "KR"
    for step in ("category", "support", "status", "amount"):
        turn = desk.press(f"skip:{step}")
    assert "한국 내 기관은 신청할 수 없습니다" in text_of(turn)
    assert "자격 요건을 충족하지 않습니다" in text_of(turn)


def test_choice_typed_as_text():
    desk = Desk("es")
    desk.press("menu:check")
    turn = desk.write("Municipalidad")
    assert desk.get("applicant.organization_type") == "local_government"
    assert desk.state["step"] == "country"
    assert Q_COUNTRY["es"] in text_of(turn)


# --- multi-select ------------------------------------------------------------------------------


def test_toggles_show_ticks_and_done_records_the_list():
    desk = Desk("en")
    at(desk, "sectors")
    turn = desk.press("toggle:sectors:transportation")
    assert turn.says[0].replace is True  # the carrier edits the message in place
    assert button(turn, "toggle:sectors:transportation").label.startswith("✓ ")
    assert not button(turn, "toggle:sectors:energy").label.startswith("✓")
    desk.press("toggle:sectors:energy")
    turn = desk.press("toggle:sectors:energy")  # twice: off again
    assert not button(turn, "toggle:sectors:energy").label.startswith("✓")
    assert button(turn, "toggle:sectors:transportation").label.startswith("✓ ")
    desk.press("toggle:sectors:water_resources")
    assert desk.state["step"] == "sectors"
    assert desk.get("project.sectors") is None  # nothing recorded before Done
    desk.press("done:sectors")
    assert desk.get("project.sectors") == ["transportation", "water_resources"]
    assert desk.state["step"] == "support"


def test_training_and_consulting_are_fields_of_their_own():
    desk = Desk("en")
    at(desk, "support")
    desk.press("toggle:support:feasibility_study")
    turn = desk.press("toggle:support:training")
    assert button(turn, "toggle:support:training").label == "✓ training in Korea"
    desk.press("done:support")
    assert desk.get("support.requested") == ["feasibility_study"]
    assert desk.get("support.training") is True
    assert desk.get("support.consulting") in (None, False)


def test_training_alone():
    desk = Desk("fr")
    at(desk, "support")
    turn = desk.press("toggle:support:training")
    assert button(turn, "toggle:support:training").label == "✓ formation en Corée"
    desk.press("done:support")
    assert desk.get("support.training") is True
    assert desk.get("support.requested") is None


def test_done_with_nothing_ticked_leaves_the_field_blank():
    desk = Desk("en")
    at(desk, "support")
    desk.press("done:support")
    assert desk.get("support.requested") is None
    assert desk.state["step"] == "status"


# --- back, restart, skip ---------------------------------------------------------------------


def test_back_returns_to_the_previous_question_with_its_answer_cleared():
    desk = Desk("en")
    at(desk, "category")
    assert desk.get("applicant.country") == "PE"
    turn = desk.press("back")
    assert desk.state["step"] == "country"
    assert Q_COUNTRY["en"] in text_of(turn)
    assert desk.get("applicant.country") is None


def test_back_twice_and_forward_again():
    desk = Desk("en")
    at(desk, "category")
    desk.press("back")
    turn = desk.press("back")
    assert desk.state["step"] == "organization_type"
    assert "back" not in data_of(turn)  # nothing before the first question
    desk.press("pick:organization_type:public_institution")
    desk.write("Chile")
    assert desk.get("applicant.organization_type") == "public_institution"
    assert desk.get("applicant.country") == "CL"
    assert desk.state["step"] == "category"


def test_back_to_a_multi_select_step():
    desk = Desk("en")
    at(desk, "support")
    turn = desk.press("back")
    assert desk.state["step"] == "sectors"
    assert "back" in data_of(turn)


def test_changing_category_on_the_way_back_drops_the_sectors():
    # Smart solution with transport, then Back to the category and urban development instead:
    # the sectors step no longer applies, and its old answer must not reach the verdict.
    desk = Desk("en")
    at(desk, "support")
    desk.press("back")  # sectors
    desk.press("back")  # category
    assert desk.state["step"] == "category"
    desk.press("pick:category:urban_development")
    assert desk.state["step"] == "support"
    for step in ("support", "status", "amount"):
        verdict = desk.press(f"skip:{step}")
    assert desk.get("project.category") == "urban_development"
    assert desk.get("project.sectors") is None
    assert "Sectors:" not in text_of(verdict)


def test_back_with_nothing_before_restarts_the_check():
    desk = Desk("en")
    desk.press("menu:check")
    desk.press("back")
    assert desk.state["step"] == STEPS[0].id


def test_restart_clears_the_answers():
    desk = Desk("en")
    at(desk, "support")
    turn = desk.press("restart")
    assert desk.state["step"] == "organization_type"
    assert desk.answers == {}
    assert desk.state["trail"] == [] and desk.state["picked"] == []
    assert turn.says[0].text.startswith("(1/7) ")


def test_restart_after_the_verdict():
    desk = Desk("en")
    at(desk, "status")
    desk.press("skip:status")
    desk.press("skip:amount")
    assert desk.state["step"] is None
    desk.press("restart")
    assert desk.answers == {} and desk.state["step"] == "organization_type"


def test_skip_leaves_the_field_blank():
    desk = Desk("en")
    at(desk, "status")
    desk.press("skip:status")
    assert desk.get("project.status") is None
    assert desk.state["step"] == "amount"


@pytest.mark.parametrize(
    ("lang", "undetermined"),
    [
        ("en", "I cannot tell yet; it depends on: Country."),
        ("ko", "아직 판단할 수 없습니다. 다음 정보가 필요합니다: 국가."),
        ("es", "Aún no puedo saberlo; depende de: País."),
        ("fr", "Je ne peux pas encore le dire ; cela dépend de : Pays."),
    ],
)
def test_skipping_the_country_leaves_the_verdict_undetermined(lang, undetermined):
    desk = Desk(lang)
    desk.press("menu:check")
    desk.press("pick:organization_type:local_government")
    desk.press("skip:country")
    assert desk.get("applicant.country") is None
    for step in ("category", "support", "status", "amount"):
        verdict = desk.press(f"skip:{step}")
    assert undetermined in text_of(verdict)


def test_sectors_step_is_skipped_for_urban_development():
    desk = Desk("en")
    at(desk, "category")
    turn = desk.press("pick:category:urban_development")
    assert desk.state["step"] == "support"
    assert turn.says[0].text.startswith("(5/7) ")
    assert not any(d.startswith("toggle:sectors:") for d in data_of(turn))


def test_sectors_step_is_skipped_when_the_category_is_skipped():
    desk = Desk("en")
    at(desk, "category")
    desk.press("skip:category")
    assert desk.state["step"] == "support"


# --- questions and stray input during the check --------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "question"),
    [("en", "When do applications close?"), ("ko", "마감은 언제입니까?"), ("es", "¿Cuándo cierra la convocatoria?"),
     ("fr", "Quelle est la date de clôture ?")],
)
def test_a_question_in_the_middle_is_answered_and_the_step_asked_again(lang, question):
    desk = Desk(lang)
    at(desk, "country")
    before = json.loads(json.dumps(desk.state))
    turn = desk.write(question)
    assert turn.question is not None
    assert turn.question.answer.topic == "application_window"
    assert turn.says[0].text == turn.question.text
    assert DAYS_39[lang] in turn.says[0].text
    assert Q_COUNTRY[lang] in turn.says[-1].text
    assert desk.state == before  # nothing recorded, same step


def test_a_question_at_a_choice_step():
    desk = Desk("en")
    at(desk, "category")
    turn = desk.write("What is the maximum amount of money per project?")
    assert turn.question is not None and turn.question.answer.topic == "funding_cap"
    assert desk.state["step"] == "category"
    assert Q_CATEGORY["en"] in turn.says[-1].text
    assert desk.get("project.category") is None


def test_a_stale_button_re_asks_the_current_question_without_recording():
    desk = Desk("en")
    at(desk, "category")
    before = json.loads(json.dumps(desk.state))
    turn = desk.press("pick:organization_type:private_company")  # from the first question, still on screen
    assert desk.state == before
    assert desk.get("applicant.organization_type") == "local_government"
    assert Q_CATEGORY["en"] in text_of(turn)
    turn = desk.press("toggle:sectors:energy")  # from a question not reached yet
    assert desk.state == before
    assert Q_CATEGORY["en"] in text_of(turn)


def test_an_unknown_option_is_not_recorded():
    desk = Desk("en")
    at(desk, "category")
    turn = desk.press("pick:category:space_program")
    assert desk.get("project.category") is None
    assert desk.state["step"] == "category"
    assert Q_CATEGORY["en"] in text_of(turn)


def test_a_toggle_for_a_single_choice_step_does_not_record_a_list():
    # Callback data can be forged; "toggle" and "done" belong to multi-select steps.
    desk = Desk("en")
    desk.press("menu:check")
    desk.press("toggle:organization_type:local_government")
    desk.press("done:organization_type")
    kind = desk.get("applicant.organization_type")
    assert kind is None or kind in form.ORGANIZATION_TYPES, kind
    while desk.state["step"] is not None:  # and the verdict must still come
        desk.press(f"skip:{desk.state['step']}")


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "I could not find a country in “Atlantis”."), ("ko", "“Atlantis”에서 국가 이름을 찾지 못했습니다."),
     ("es", "No encontré ningún país en “Atlantis”."), ("fr", "Je n'ai pas trouvé de pays dans « Atlantis ».")],
)
def test_text_that_is_not_a_country_gets_not_understood(lang, said):
    desk = Desk(lang)
    at(desk, "country")
    turn = desk.write("Atlantis")
    assert turn.says[0].text == said
    assert Q_COUNTRY[lang] in turn.says[-1].text
    assert desk.state["step"] == "country"
    assert desk.get("applicant.country") is None


def test_text_that_is_not_an_amount_gets_not_understood():
    desk = Desk("en")
    at(desk, "status")
    desk.press("pick:status:new")
    turn = desk.write("a lot")
    assert turn.says[0].text == "I could not read an amount with its currency in “a lot”."
    assert desk.state["step"] == "amount"


def test_blank_text_says_nothing():
    desk = Desk("en")
    at(desk, "country")
    assert desk.write("   ").says == ()
    assert desk.state["step"] == "country"


# --- language -------------------------------------------------------------------------------------


def test_switching_language_mid_check_re_asks_in_korean():
    desk = Desk("en")
    at(desk, "country")
    answers = json.loads(json.dumps(desk.answers))
    turn = desk.press("lang:ko")
    assert desk.state["lang"] == "ko" and desk.state["chosen"] is True
    assert turn.says[0].text == "이제부터 한국어로 안내해 드리겠습니다."
    assert Q_COUNTRY["ko"] in turn.says[-1].text
    assert turn.says[-1].text.startswith("(2/7) ")
    assert "이전" in labels_of(turn)  # Back, in Korean
    assert desk.state["step"] == "country" and desk.answers == answers
    turn = desk.write("페루")
    assert desk.get("applicant.country") == "PE"
    assert Q_CATEGORY["ko"] in text_of(turn)


def test_a_chosen_language_answers_questions_in_it():
    desk = Desk("en")
    desk.press("lang:fr")
    turn = desk.write("When do applications close?")
    assert turn.question.language == "fr"
    assert DAYS_39["fr"] in turn.says[0].text


def test_language_command_with_and_without_argument():
    desk = Desk("en")
    turn = desk.command("language")
    assert sorted(data_of(turn)) == sorted(f"lang:{code}" for code in LANGUAGES)
    desk.command("language", "es")
    assert desk.state["lang"] == "es"


def test_new_state_language():
    assert Conversation.new_state("pt-BR")["lang"] == "en"
    assert Conversation.new_state("ko-KR")["lang"] == "ko"
    assert Conversation.new_state(None)["lang"] == "en"
    state = Conversation.new_state("fr")
    assert state == {"lang": "fr", "chosen": False, "step": None, "answers": {}, "trail": [], "picked": []}
    assert json.loads(json.dumps(state)) == state


# --- commands and menu ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_lists_every_command(lang):
    turn = Desk(lang).command("help")
    text = text_of(turn)
    for name, descriptions in COMMANDS.items():
        assert f"/{name} — {descriptions[lang]}" in text


def test_unknown_command():
    desk = Desk("es")
    turn = desk.command("frobnicate")
    assert text_of(turn) == "No conozco esa orden. /help muestra las que conozco."


def test_check_command_starts_the_check():
    desk = Desk("en")
    desk.command("check")
    assert desk.state["step"] == "organization_type"


def test_start_leaves_the_check():
    desk = Desk("en")
    at(desk, "category")
    desk.start()
    assert desk.state["step"] is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menu_form_sends_the_blank_form_in_the_users_language(lang):
    turn = Desk(lang).press("menu:form")
    (say,) = turn.says
    assert isinstance(say.document, Document)
    content = say.document.content.decode("utf-8")
    assert content == form.blank_form(lang) + "\n"
    first_label = form.field(form.FIELDS[0].code).label(lang)
    assert content.startswith(f"{first_label}: ")
    assert len(content.splitlines()) == len(form.FIELDS)
    assert lang in say.document.filename
    assert DESK in say.text


def test_status_command_asks_the_carrier():
    turn = Desk("en").command("status")
    assert turn.action == "status"


def test_deadline_command_counts_the_days():
    turn = Desk("ko").command("deadline")
    assert DAYS_39["ko"] in text_of(turn)


def test_a_free_question_outside_the_check_has_no_check_step():
    desk = Desk("en")
    turn = desk.write("We are a private company from Vietnam, can we apply?")
    assert turn.question is not None and turn.question.eligibility.status == "ineligible"
    assert "menu:check" in data_of(turn)
    assert desk.state["step"] is None


# --- Suggestions when the desk does not know ---------------------------------------------------

VAGUE = "Tell me about the money side"  # near the funding topics, sure of none


def test_a_question_the_desk_is_unsure_of_offers_the_nearest_topics_to_pick():
    desk = Desk("en")
    turn = desk.write(VAGUE)
    assert turn.question is not None and turn.question.answer.topic is None
    assert "I don't know" in text_of(turn) and "Perhaps your question is about one of these:" in text_of(turn)
    assert data_of(turn) == ["topic:funding_cap:en", "topic:ppp_pis_fund:en", "menu:check", "menu:apply"]
    assert labels_of(turn)[:2] == ["How much per project", "PPP and the PIS fund"]
    picked = desk.press("topic:funding_cap:en")
    assert "one billion KRW" in text_of(picked) and "I don't know" not in text_of(picked)
    assert desk.state["step"] is None


def test_a_picked_dated_topic_says_where_the_call_stands_today():
    desk = Desk("fr")
    picked = desk.press("topic:application_window")
    assert DAYS_39["fr"] in text_of(picked)


def test_a_question_near_nothing_offers_no_topics():
    turn = Desk("en").write("What about banks?")
    assert not [d for d in data_of(turn) if d.startswith("topic:")]
    assert "Perhaps" not in text_of(turn)


def test_suggestions_in_the_middle_of_the_check_then_the_step_again():
    desk = Desk("es")
    desk.command("check")
    turn = desk.write("Cuéntenme del tema del dinero")
    assert [d for d in data_of(turn) if d.startswith("topic:")], text_of(turn)
    assert Q_CATEGORY["es"] not in text_of(turn)  # still at the first step
    picked = desk.press([d for d in data_of(turn) if d.startswith("topic:")][0])
    assert len(picked.says) == 2 and picked.says[1].text.startswith("(1/7)")
    assert desk.state["step"] == STEPS[0].id


def test_an_unknown_topic_button_is_not_an_answer():
    desk = Desk("en")
    turn = desk.press("topic:weather")
    assert "I don't know" not in text_of(turn) and desk.state["step"] is None


def test_an_offer_is_in_the_language_of_the_text_it_follows():
    desk = Desk(None)  # no language chosen: a question in French is answered in French
    turn = desk.write("Parlez-moi du financement en general")
    offered = [d for d in data_of(turn) if d.startswith("topic:")]
    assert offered and all(d.endswith(":fr") for d in offered), data_of(turn)
    assert "Votre question porte-t-elle" in text_of(turn)
    assert "I don't know" not in text_of(desk.press(offered[0]))
