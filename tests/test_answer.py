"""The question desk: each topic is found in every language, the rest gets an honest "don't know"."""

from __future__ import annotations

import json
import textwrap

import pytest
from helpers import shared_dir

from rules.answer import Answer, answer, load_knowledge, shipped_knowledge
from rules.form import LANGUAGES


def small_knowledge(rules: str = "", **topics: list[str]) -> str:
    """The YAML of a small knowledge base: ``rules`` (concepts, cues, needs...), then one topic per
    keyword, its answer its own id, with these English example questions."""
    lines = ['fallback: {en: "?", ko: "?", es: "?", fr: "?"}', textwrap.dedent(rules).strip(), "topics:"]
    for tid, questions in topics.items():
        lines += [f"  - id: {tid}", f"    title: {{en: {tid}, ko: {tid}, es: {tid}, fr: {tid}}}",
                  '    citations: ["c"]', f"    answer: {{en: {tid}, ko: {tid}, es: {tid}, fr: {tid}}}",
                  f"    questions: {{en: {json.dumps(questions, ensure_ascii=False)}}}"]
    return "\n".join(lines) + "\n"

CALL = shared_dir() / "program" / "call-2020.txt"
SITES = ("www.molit.go.kr", "www.smartcity.go.kr", "www.kindkorea.or.kr")

# (topic, lang, question): worded unlike the paraphrases in rules/knowledge.yaml.
CASES = [
    ("who_may_apply", "en", "Which entities qualify as applicants under this call?"),
    ("who_may_apply", "ko", "우리 시 정부가 신청 자격이 되나요?"),
    ("who_may_apply", "es", "¿Un gobierno provincial puede postular?"),
    ("who_may_apply", "fr", "Qui a le droit de postuler ?"),
    ("who_may_apply", "fr", "Qui peut candidater ?"),  # once lost to a paraphrase about fees for a candidature
    ("who_may_apply", "en", "Who can apply?"),
    ("private_companies", "en", "Are private companies allowed to apply alone?"),
    ("private_companies", "ko", "민간 회사 혼자서 지원해도 되나요?"),
    ("private_companies", "es", "¿Una compañía privada puede participar sola?"),
    ("private_companies", "fr", "Une société privée peut-elle participer seule ?"),
    ("partner_countries", "en", "Are countries outside ASEAN welcome?"),
    ("partner_countries", "ko", "한국 회사가 직접 지원할 수 있나요?"),
    ("partner_countries", "es", "¿Qué países pueden presentarse?"),
    ("partner_countries", "fr", "Un organisme coréen peut-il postuler directement ?"),
    ("project_categories", "en", "What categories of project does the program cover?"),
    ("project_categories", "ko", "신도시 개발도 대상 사업인가요?"),
    ("project_categories", "es", "¿Qué tipos de proyecto cubre el programa?"),
    ("project_categories", "fr", "Un projet d'aménagement urbain peut-il être présenté ?"),
    ("solution_sectors", "en", "Would a smart water resources solution qualify?"),
    ("solution_sectors", "ko", "스마트 교통 분야도 가능한가요?"),
    ("solution_sectors", "es", "¿Sirve una solución de energía inteligente?"),
    ("solution_sectors", "fr", "Une solution de transport intelligent est-elle possible ?"),
    ("support_types", "en", "Do you pay for a feasibility study?"),
    ("support_types", "ko", "한국에서 연수를 받을 수 있나요?"),
    ("support_types", "es", "¿Financian un estudio de prefactibilidad?"),
    ("support_types", "fr", "Proposez-vous une formation en Corée ?"),
    ("funding_cap", "en", "What is the maximum amount of money per project?"),
    ("funding_cap", "ko", "한 사업에 얼마나 지원받을 수 있나요?"),
    ("funding_cap", "es", "¿Cuál es el monto máximo por proyecto?"),
    ("funding_cap", "fr", "Quel montant maximum par projet ?"),
    ("ppp_pis_fund", "en", "Tell me about the PIS fund"),
    ("ppp_pis_fund", "ko", "PIS 펀드가 뭔가요?"),
    ("ppp_pis_fund", "es", "¿Es posible una asociación público-privada?"),
    ("ppp_pis_fund", "fr", "Parlez-moi du fonds PIS"),
    ("cofinancing_mdb", "en", "Could the World Bank join as co-financer?"),
    ("cofinancing_mdb", "ko", "세계은행 공동 투자 가능?"),
    ("cofinancing_mdb", "es", "¿Puede participar el Banco Mundial?"),
    ("cofinancing_mdb", "fr", "La Banque mondiale peut-elle participer ?"),
    ("existing_projects", "en", "Our project is already underway; does it qualify?"),
    ("existing_projects", "ko", "진행 중인 사업도 되나요?"),
    ("existing_projects", "es", "¿Un proyecto en curso califica?"),
    ("existing_projects", "fr", "Un projet en cours est-il admis ?"),
    ("how_to_submit", "en", "Can I send the application form by post?"),
    ("how_to_submit", "ko", "신청서를 우편으로 제출해도 되나요?"),
    ("how_to_submit", "es", "¿Cómo se envía la solicitud?"),
    ("how_to_submit", "fr", "Comment envoyer notre dossier ?"),
    ("application_window", "en", "When do applications close?"),
    ("application_window", "ko", "마감은 언제입니까?"),
    ("application_window", "es", "¿Cuándo cierra la convocatoria?"),
    ("application_window", "fr", "Quelle est la date de clôture ?"),
    ("selection_timeline", "en", "When will you announce which projects were selected?"),
    ("selection_timeline", "ko", "심사는 언제 하나요?"),
    ("selection_timeline", "es", "¿Quién selecciona los proyectos?"),
    ("selection_timeline", "fr", "Comment se passe la sélection des projets ?"),
    ("more_information", "en", "Where can I read more about the program?"),
    ("more_information", "ko", "정보는 어디서 확인하나요?"),
    ("more_information", "es", "¿Dónde hay más información?"),
    ("more_information", "fr", "Où trouver des informations ?"),
    ("not_in_call", "en", "How much is the application fee?"),
    ("not_in_call", "ko", "수수료는 얼마인가요?"),
    ("not_in_call", "es", "¿Cuánto cuesta la tarifa?"),
    ("not_in_call", "fr", "Quels sont les frais ?"),
]

OFF_TOPIC = [
    "what's the weather in Paris",
    "recipe for kimchi",
    "김치 만드는 법 알려주세요",
    "¿Quién ganó el partido de fútbol ayer?",
    "Quel temps fait-il à Lyon demain ?",
    "hello",
    "",
]


@pytest.fixture(scope="module")
def kb():
    return shipped_knowledge()


@pytest.mark.parametrize(("topic", "lang", "question"), CASES)
def test_question_finds_its_topic(topic, lang, question):
    got = answer(question, lang)
    assert got.topic == topic, (question, got.topic, got.confidence)
    assert got.language == lang
    assert got.citations


def test_every_topic_in_every_language_is_tested(kb):
    covered = {(t, lang) for t, lang, _ in CASES}
    assert covered == {(t, lang) for t in kb.topics for lang in LANGUAGES}


def test_test_questions_are_not_paraphrases(kb):
    paraphrases = {q for t in kb.topics.values() for qs in t.questions.values() for q in qs}
    assert not [q for _, _, q in CASES if q in paraphrases]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_gets_dont_know(question):
    got = answer(question)
    assert got.topic is None
    assert got.citations == []
    assert all(site in got.text for site in SITES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dont_know_is_in_the_asked_language(kb, lang):
    got = answer("recipe for kimchi", lang)
    assert got.topic is None and got.language == lang
    assert got.text == kb.fallback[lang]


def test_fee_question_says_call_does_not_say():
    got = answer("Do we need to pay an application fee?")
    assert got.topic == "not_in_call"
    assert "does not say" in got.text
    assert all(site in got.text for site in SITES)


def test_language_detected_when_not_given():
    assert answer("¿Cuál es la fecha límite para nuestro proyecto de la ciudad?").language == "es"
    assert answer("신청 마감일이 언제인가요?").language == "ko"
    assert answer("Quelle est la date limite pour notre projet ?").language == "fr"
    assert answer("zzz").language == "en"


def test_answer_shape():
    got = answer("What is the deadline?")
    assert isinstance(got, Answer)
    assert 0.0 <= got.confidence <= 1.0
    assert got.topic == "application_window"
    assert "20 March 2020" in got.text


def test_every_topic_has_answers_and_enough_paraphrases(kb):
    for topic in kb.topics.values():
        for lang in LANGUAGES:
            assert topic.answers[lang].strip(), (topic.id, lang)
            assert len(topic.questions[lang]) >= 4, (topic.id, lang)
    assert all(kb.fallback[lang] for lang in LANGUAGES)


def test_every_citation_is_verbatim_in_the_call(kb):
    if not CALL.is_file():
        pytest.fail(f"call text missing: {CALL}")
    call = CALL.read_text(encoding="utf-8")
    missing = [(t.id, c) for t in kb.topics.values() for c in t.citations if c not in call]
    assert not missing


def test_load_knowledge_from_text():
    kb = load_knowledge(small_knowledge(only=["deadline for applications"]))
    assert kb.rank("applications deadline")[0][0] == "only"
    assert kb.answer("nothing matches", "fr").text == "?"


@pytest.mark.parametrize(
    "question, language",
    [("Quelle est la date limite?", "fr"), ("Qui peut postuler?", "fr"), ("¿Quién puede postular?", "es"),
     ("Who can apply?", "en")],
)
def test_short_questions_are_answered_in_their_own_language(question, language):
    assert answer(question).language == language


# Letter-like questions: a greeting and who writes, then the question; the context
# must neither drown the question nor lend an off-topic letter a topic.
LETTERS = [
    ("who_may_apply", "Good afternoon. I work for the Municipality of Davao. Which kinds of public bodies may submit"
                      " an application?"),
    ("private_companies", "Hello team. We are a private startup in Lagos building traffic apps. Can we apply on our"
                          " own without the city?"),
    ("existing_projects", "Dear Sir. Our provincial government has a metro project that is already under"
                          " construction. Can it still benefit from the program?"),
    ("application_window", "Estimados. Somos la Alcaldía de Cali. ¿Hasta qué fecha podemos enviar la postulación?"),
    ("funding_cap", "Madame, Monsieur. Nous représentons la ville de Dakar. Quel est le montant maximum par projet ?"),
    ("application_window", "안녕하세요. 저는 필리핀 마닐라시 공무원입니다. 신청 마감일이 언제인지 알려주시면 감사하겠습니다."),
]

OFF_TOPIC_LETTERS = [
    "Good morning. I am a student at Seoul National University. Could you tell me when the KOICA scholarship"
    " deadline is?",
    "Hello. Our city has a smart water project. What's the weather in Seoul next week?",
    "Buenas tardes. Trabajo en la alcaldía de Lima. ¿Qué hora es en Corea ahora?",
    "안녕하세요. 저는 서울에 사는 학생입니다. 맛있는 김치 만드는 법을 알려주세요.",
]


@pytest.mark.parametrize(("topic", "question"), LETTERS)
def test_letter_finds_its_topic(topic, question):
    got = answer(question)
    assert got.topic == topic, (question, got.topic, got.confidence)


@pytest.mark.parametrize("question", OFF_TOPIC_LETTERS)
def test_off_topic_letter_gets_dont_know(question):
    assert answer(question).topic is None


def test_words_around_the_asking_sentence_weigh_less(kb):
    weights = kb._weighted_words("I work in the planning office of Cebu. Which institutions are entitled to apply?")
    by_token = {token: weight for word, weight in weights.items() for token in word}
    assert by_token["#body"] == 1.0 and by_token["apply"] == 1.0
    assert by_token["planni"] < 1.0 and by_token["cebu"] < 1.0
    assert set(kb._weighted_words("Who can apply?").values()) == {1.0}
    # no question mark: the last sentence asks
    weights = kb._weighted_words("Hola. Somos de Cali. Quisiéramos saber el plazo")
    assert {token: weight for word, weight in weights.items() for token in word}["#deadline"] == 1.0


def test_courtesies_and_program_name_are_not_content():
    from rules.answer import tokenize

    assert tokenize("Good afternoon, K-City Network team") == []
    assert tokenize("안녕하십니까 감사하겠습니다") == []


@pytest.mark.parametrize("question", [
    "KOICA 해외봉사단 지원 자격이 어떻게 되나요?",  # another agency's volunteers
    "일본 JICA 연수 프로그램 신청 마감일이 언제예요?",  # another agency's training
    "hola buenas tardes, ¿cómo están?",  # a greeting: one paraphrase's incidental word
])
def test_other_bodies_and_greetings_get_dont_know(question):
    assert answer(question).topic is None


def test_known_acronyms_are_not_another_body():
    assert answer("Tell me about the PIS fund").topic == "ppp_pis_fund"
    assert answer("website of KIND please").topic == "more_information"


def test_concept_words_must_be_close_not_just_share_a_prefix(kb):
    """contrato shares contra- with contrapartida, but is no counterpart funding."""
    assert kb._words("contrato") != kb._words("contrapartida")
    assert kb._words("financing") == kb._words("financement")


def test_close_topics_are_settled_by_coverage():
    assert answer("What kind of support do selected projects get?").topic == "support_types"


def test_an_unsure_answer_names_the_nearest_topics_and_a_sure_one_none(kb):
    unsure = answer("Tell me about the money side")
    assert unsure.topic is None and unsure.suggestions == ("funding_cap", "ppp_pis_fund")
    assert answer("What about banks?").suggestions == ()  # near nothing: nothing to offer
    assert answer("Who can apply?").suggestions == ()  # answered


def test_the_call_does_not_say_is_never_offered(kb):
    for question in ("How much is the fee to apply, roughly?", "Is there a fee?", "¿Hay que pagar algo?"):
        assert "not_in_call" not in answer(question).suggestions


def test_every_topic_has_a_short_title_in_every_language(kb):
    for topic in kb.topics.values():
        assert set(topic.titles) == set(LANGUAGES), topic.id
        assert all(0 < len(title) <= 48 for title in topic.titles.values()), topic.titles


# Off-topic questions that share words with the call (Korea, officials, training, money, a ministry):
# the ``offtopic`` concept's word (a visa, the exchange rate, a scholarship, a job, language classes)
# weighs against the match, so they get "I don't know".
OFF_TOPIC_WITH_CALL_WORDS = [
    "Our officials will travel to Korea for the training: how do they get a visa?",
    "What is today's exchange rate between the US dollar and the Korean won?",
    "Does MOLIT offer scholarships to public officials for a master's degree?",
    "Are there job vacancies at KIND for foreign urban planners?",
    "Do you run Korean language classes for our municipal staff?",
    "¿Cuál es el tipo de cambio entre el peso y el won?",
    "¿Hay becas en Corea para los funcionarios de nuestra alcaldía?",
    "Quel est le taux de change du won face à l'euro ?",
    "Le ministère propose-t-il des emplois aux urbanistes étrangers ?",
    "공무원 대상 장학금 프로그램이 있나요?",
    "한국 출장 비자는 어떻게 받나요?",
]


@pytest.mark.parametrize("question", OFF_TOPIC_WITH_CALL_WORDS)
def test_off_topic_words_outweigh_the_words_shared_with_the_call(question):
    assert answer(question).topic is None


@pytest.mark.parametrize(("topic", "question"), [
    ("support_types", "Is there training in Korea for the officials who run the project?"),
    ("support_types", "¿Los funcionarios reciben capacitación en Corea?"),
    ("funding_cap", "Is the maximum per project given in won or in US dollars?"),
    ("funding_cap", "Le plafond par projet est-il exprimé en dollars ?"),
])
def test_training_and_currencies_are_not_off_topic(topic, question):
    assert answer(question).topic == topic


def test_an_off_topic_word_around_the_question_does_not_sink_it():
    got = answer("Our delegation will need visas for the trip to Seoul. When is the deadline for applications?")
    assert got.topic == "application_window"


def test_an_off_topic_word_is_one_token_whatever_its_script(kb):
    assert kb._words("visa") == kb._words("비자") == [("#offtopic",)]
    assert kb._words("관광비자는") == [("#offtopic",)]  # not the n-grams 관광 shares with anything
    assert kb._words("exchange rate") == kb._words("tipo de cambio") == [("#offtopic",)]


def test_a_paraphrase_may_not_use_an_off_topic_word():
    text = small_knowledge("concepts: {offtopic: [visa]}", only=["Do we get a visa for the training?"])
    with pytest.raises(ValueError, match="off-topic"):
        load_knowledge(text)


def test_the_programs_own_name_is_not_content():
    from rules.answer import tokenize

    assert tokenize("the cooperation program") == tokenize("la cooperación") == tokenize("la coopération") == []
    assert answer("Which kinds of projects does the K-City Network cooperation programme accept?").topic == (
        "project_categories")


@pytest.mark.parametrize(("topic", "question"), [
    ("project_categories", "What types of projects does the program support?"),
    ("project_categories", "¿Qué tipos de proyectos apoya el programa?"),
    ("support_types", "What type of support do selected projects get?"),
    ("support_types", "¿Qué tipo de apoyo reciben los proyectos?"),
])
def test_types_of_projects_are_not_types_of_support(topic, question):
    assert answer(question).topic == topic


@pytest.mark.parametrize("question", [
    "Can our municipality apply directly, without going through the national ministry?",
    "Une commune peut-elle candidater seule, sans passer par le ministère ?",
    "시청이 중앙정부를 거치지 않고 단독으로 신청할 수 있나요?",
])
def test_a_government_applying_alone_is_not_a_private_company(question):
    """private_companies needs the question to name a company or the private sector."""
    assert answer(question).topic == "who_may_apply"


def test_a_topic_s_paraphrases_must_name_what_it_needs():
    text = small_knowledge("""
        concepts: {private: [private]}
        needs: {only: [private]}
        """, only=["Can a private firm apply?", "Can we apply alone?"])
    with pytest.raises(ValueError, match="needs"):
        load_knowledge(text)


def test_a_misspelling_keeps_its_first_letter(kb):
    assert kb._spell("coste") == "costo"  # not "poste", one letter off as well


def test_a_letter_with_no_question_mark_asks_where_it_says_so(kb):
    """No question mark: the sentence that says it asks weighs fully, not the thanks or the signature after it."""
    weights = kb._weighted_words("Estimados señores:\nQuisiéramos saber si una alcaldía puede postular.\n"
                                 "Atentamente,\nIng. Marta Ríos Vega")
    by_token = {token: weight for word, weight in weights.items() for token in word}
    assert by_token["#government"] == by_token["#postulate"] == 1.0
    assert by_token["marta"] < 1.0
    weights = kb._weighted_words("저희는 캄보디아 공공사업교통부입니다. 공기업도 신청 주체가 되는지 궁금합니다. 감사합니다.")
    assert {token: weight for word, weight in weights.items() for token in word}["#publicentity"] == 1.0
    # nothing says it asks, and the last sentence holds no word that counts: the one before it asks
    weights = kb._weighted_words("Somos de Cali. Necesitamos el plazo de la convocatoria. Muchas gracias.")
    assert {token: weight for word, weight in weights.items() for token in word}["#deadline"] == 1.0


@pytest.mark.parametrize(("topic", "question"), [
    ("private_companies", "Notre bureau d'études privé peut-il candidater sans aucun organisme public associé ?"),
    ("private_companies", "민간 시공사인데 현지 정부나 공공기관 도움 없이 혼자 응모할 수 있나요?"),
    ("who_may_apply", "May a publicly owned power company be the applicant?"),
    ("partner_countries", "Can a Korean public enterprise apply by itself?"),
    ("partner_countries", "Une société d'État coréenne peut-elle déposer une candidature ?"),
])
def test_a_cue_yields_to_the_concept_it_names(topic, question):
    """A public body decides "who may apply", unless the question names the private sector or Korea."""
    assert answer(question).topic == topic


def test_a_cue_with_unless_in_a_knowledge_base():
    kb = load_knowledge(small_knowledge("""
        concepts: {public: [public], private: [private]}
        cues: {public: {topic: public_side, unless: [private]}}
        """, public_side=["Can a public body apply?"],
        private_side=["Can a private firm apply without a public body?", "May a private firm apply?"]))
    with_cue, without = dict(kb.rank("a public body")), dict(kb.rank("a public body, private"))
    assert with_cue["public_side"] - without["public_side"] > 5  # the cue's score, withheld when private is named
    assert kb.rank("private firm without a public body")[0][0] == "private_side"


def test_a_cue_with_another_concept_in_a_knowledge_base():
    kb = load_knowledge(small_knowledge("""
        concepts: {body: [agency, institution], korea: [korean]}
        cues: {body: {topic: abroad, with: [korea]}}
        """, abroad=["Can a Korean agency apply for us?"],
        home=["Which agency or institution may apply?", "May our agency apply?"]))
    assert kb.rank("an agency applying")[0][0] == "home"  # no Korea named: the cue waits
    with_korea, without = dict(kb.rank("a Korean institution applying")), dict(kb.rank("an institution applying"))
    assert without["abroad"] < 1  # the word "institution" alone, no cue
    assert with_korea["abroad"] > 6  # the cue's score, on top of the word Korean


def test_a_cue_looks_for_its_with_concept_in_the_sentence_that_names_it():
    kb = load_knowledge(small_knowledge("""
        concepts: {body: [agency, institution], korea: [korean, korea], private: [private]}
        cues: {body: {topic: abroad, with: [korea], unless: [private]}}
        """, abroad=["Can a Korean agency apply for us?"],
        home=["Which agency or institution may apply?", "May our agency apply?"]))
    together = dict(kb.rank("Can a Korean agency apply?"))
    apart = dict(kb.rank("Can an agency apply? I studied in Korea."))  # the same words, Korea in another sentence
    assert together["abroad"] - apart["abroad"] > 5  # the cue's score, withheld
    assert kb.answer("Can an agency apply? I studied in Korea.").topic != "abroad"
    # a concept the cue yields to counts anywhere in the question
    assert dict(kb.rank("Can a Korean agency apply? We are private."))["abroad"] < together["abroad"] - 5


@pytest.mark.parametrize(("topic", "question"), [
    ("partner_countries", "Could a Korean agency stand as the applicant for a town in Laos, or must the Lao side apply?"),
    ("partner_countries", "¿Un organismo coreano puede presentarse como solicitante en lugar de la alcaldía?"),
    ("who_may_apply", "Which institutions are allowed to be applicants?"),
    ("private_companies", "notre societe privee peut elle candidater sans l etat"),
    ("private_companies", "We are a privately owned engineering firm: may we apply without the state?"),
])
def test_a_cue_may_need_another_concept_named(topic, question):
    """A body decides partner countries only when it is Korean; the private sector decides private companies
    only when a firm is named."""
    assert answer(question).topic == topic


TRAVEL_RULES = """
    concepts: {training: [training], travelcost: [hotel]}
    offtopic_unless: {travelcost: [training]}
    """


def test_a_paraphrase_about_the_trip_counts_only_for_a_question_naming_it():
    kb = load_knowledge(small_knowledge(
        TRAVEL_RULES, unsaid=["Who pays the hotel of officials during the training in Korea?", "Is there a fee?"],
        support=["Is there training?", "What support is given?"]))
    assert [tid for tid, _ in kb.rank("training in Korea for officials")] == ["support"]
    assert kb.rank("the hotel during the training in Korea")[0][0] == "unsaid"


@pytest.mark.parametrize("question", [
    "¿El apoyo incluye cursos en Corea para los funcionarios que manejan la iniciativa?",
    "Does the package include training in Korea for the staff leading the project?",
])
def test_training_for_officials_is_support_not_the_trips_costs(question):
    assert answer(question).topic == "support_types"


def test_installing_is_no_installment_and_plans_finish_in_any_language(kb):
    assert kb._words("instalar") != [("#disbursement",)]
    assert kb._words("installing") != [("#disbursement",)]
    assert kb._words("in installments") == kb._words("tranches") == [("#disbursement",)]
    assert kb._words("finished") == kb._words("achevé") == [("#finish",)]
    assert ("#finish",) == kb._words("끝나나요")[0][:1]


@pytest.mark.parametrize(("topic", "question"), [
    ("not_in_call", "Does the application need a letter of support from our embassy?"),
    ("not_in_call", "¿Los fondos se depositan en una cuenta bancaria del municipio?"),
    ("funding_cap", "How much is disbursed to each project at most?"),
    ("selection_timeline", "선정 후 타당성조사는 언제쯤 끝나나요?"),
    ("solution_sectors", "Would a telemedicine platform for rural hospitals fit the solution areas?"),
])
def test_endorsements_accounts_finished_plans_and_hospitals(topic, question):
    assert answer(question).topic == topic


@pytest.mark.parametrize("question", [
    "Could you translate this paragraph into French for me?",
    "¿Me pueden traducir este informe al coreano?",
])
def test_a_text_to_translate_is_off_topic(question):
    assert answer(question).topic is None


@pytest.mark.parametrize("question", [
    "Could you book a hotel in Sejong for our delegation?",
    "¿Cuánto cuesta un vuelo de Lima a Seúl?",
    "세종 정부청사 근처 숙소 좀 알아봐 주실 수 있나요?",
])
def test_a_hotel_or_a_flight_is_off_topic(question):
    assert answer(question).topic is None


@pytest.mark.parametrize("question", [
    "Who pays for the hotel of the officials who attend the training?",
    "¿El programa cubre el alojamiento durante la capacitación en Corea?",
    "Les billets d'avion des stagiaires sont-ils payés par la Corée ?",
    "연수 참가자의 항공권은 누가 부담하나요?",
])
def test_the_trip_to_the_calls_training_is_a_question_the_call_does_not_answer(question):
    assert answer(question).topic == "not_in_call"


def test_a_concept_off_topic_unless_another_is_named(kb):
    assert kb._weighted_words("a hotel room") == {("#offtopic",): 8.0, ("room",): 1.0}
    assert ("#travelcost",) in kb._weighted_words("the hotel during the training")
    with pytest.raises(ValueError, match="off-topic"):  # a paraphrase naming the hotel must name the training
        load_knowledge(small_knowledge(TRAVEL_RULES, only=["Who pays the hotel?"]))
    load_knowledge(small_knowledge(TRAVEL_RULES, only=["Who pays the hotel during the training?"]))


@pytest.mark.parametrize("question", [
    "What is the total budget of the Korean New Deal?",
    "Can foreigners buy land in Korea, and under which law?",
    "Je cherche un fournisseur coréen de caméras intelligentes.",
    "외국인이 한국에서 토지를 구입할 수 있나요?",
])
def test_another_program_real_estate_and_suppliers_are_off_topic(question):
    assert answer(question).topic is None


def test_a_hangul_phrase_takes_its_ending_and_a_latin_phrase_stops_before_a_particle(kb):
    assert kb._words("한국어 연수도") == kb._words("한국어 교육을") == [("#offtopic",)]
    assert kb._words("World Bank와") == kb._words("ADB와") == [("#mdb",)]  # the particle is no word of its own
    assert kb._words("교육을") != [("#offtopic",)]


def test_a_misspelling_is_not_a_word_with_another_first_letter(kb):
    assert kb._spell("manque") != "banque"
    assert kb._spell("centre") != "entre"


def test_a_short_concept_word_matches_inflected_and_a_short_plural_only_whole(kb):
    assert kb._words("emailed") == kb._words("email") == [("#email",)]
    assert kb._words("mailing") == kb._words("mail")
    assert kb._words("pays") == [("#country",)]  # French: the country
    assert kb._words("pay") != [("#country",)]  # English: to pay


@pytest.mark.parametrize(("topic", "question"), [
    ("not_in_call", "Who owns the master plan once it is delivered?"),
    ("not_in_call", "¿La subvención se paga en cuotas o en un solo pago?"),
    ("not_in_call", "Faut-il envoyer des rapports d'avancement pendant l'étude ?"),
    ("how_to_submit", "What postal address do we mail the application to?"),
    ("not_in_call", "Which email address should applications go to?"),
    ("ppp_pis_fund", "Who contributes to the Plant, Infrastructure and Smart City fund?"),
])
def test_what_the_call_leaves_out_and_what_it_names(topic, question):
    assert answer(question).topic == topic


@pytest.mark.parametrize(("rules", "message"), [
    ("concepts: {public: [public]}\ncues: {publik: only}", "cue publik: no such concept: publik"),
    ("concepts: {public: [public]}\ncues: {public: {topic: only, unless: [privat]}}", "no such concept: privat"),
    ("concepts: {public: [public]}\ncues: {public: {topic: elsewhere}}", "cue public: no such topic: elsewhere"),
    ("concepts: {public: [public]}\nneeds: {only: [pubic]}", "needs only: no such concept: pubic"),
    ("concepts: {hotel: [hotel]}\nofftopic_unless: {hotel: [trainig]}", "no such concept: trainig"),
])
def test_a_rule_naming_no_such_concept_or_topic_fails_to_load(rules, message):
    """A misspelt name would otherwise switch its rule off without a word."""
    with pytest.raises(ValueError, match=message):
        load_knowledge(small_knowledge(rules, only=["Can a public body apply?"]))


@pytest.mark.parametrize(("topic", "question"), [
    ("not_in_call", "Will K-City Network be offered again in a future round?"),
    ("not_in_call", "내년에도 이런 공모가 나오나요?"),
    ("not_in_call", "¿Podemos mandar varios proyectos a la vez?"),
    ("not_in_call", "Peut-on proposer plusieurs projets au titre de cet appel ?"),
    ("existing_projects", "Nous avons plusieurs projets déjà en cours : peuvent-ils bénéficier du programme ?"),
    ("application_window", "Estamos a 18 de marzo, ¿llegamos a tiempo?"),
    ("application_window", "It is mid-March here: are we too late?"),
    ("existing_projects", "Is it too late for a project that broke ground in 2017?"),
    ("selection_timeline", "¿El estudio de factibilidad estará listo a tiempo?"),
    ("support_types", "How many of our engineers may attend the training in Korea?"),
    ("how_to_submit", "Can the ministry send the file through our embassy by diplomatic pouch?"),
    ("project_categories", "Pourriez-vous détailler les catégories de projets citées dans le communiqué ?"),
])
def test_another_round_several_projects_still_in_time_and_how_many_trainees(topic, question):
    """Another round and several projects from one applicant are not in the call; "still in time" asks the
    dates unless the project is under way or the study is to be ready in time; how many may come to the
    training is agreed with the recipient country (the answer on support)."""
    assert answer(question).topic == topic


def test_words_that_point_at_the_call_or_a_question_are_not_content(kb):
    assert kb._words("communiqué") == kb._words("mentionnées") == kb._words("consulta") == []  # no commune, no advice
    assert kb._words("marzo") == kb._words("March") == kb._words("mars") == [("#month",)]
    assert kb._words("valija diplomática") == kb._words("diplomatic pouch") == [("#channel",)]
