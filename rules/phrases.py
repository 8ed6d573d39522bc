"""What the conversation says (bot and ``kcity chat``), in each language: phrase -> language -> text.

Statements about the program render the call (shared/program/call-2020.txt)
or the round data; placeholders in braces are filled by the caller. A test
checks that every phrase exists in every language with the same placeholders.
"""

from __future__ import annotations

from rules.form import DEFAULT_LANGUAGE

__all__ = ["PHRASES", "LANGUAGE_NAMES", "phrase"]

LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "es": "Español", "fr": "Français"}

PHRASES: dict[str, dict[str, str]] = {
    # --- the menu -------------------------------------------------------------
    "welcome": {
        "en": "Welcome to the K-City Network Global Cooperation Program desk of Korea's Ministry of Land, "
        "Infrastructure and Transport (MOLIT). I can check whether your project fits the call, answer "
        "questions about it, and tell you how to apply. Write a question at any time, or choose:",
        "ko": "대한민국 국토교통부 K-City Network 글로벌 협력 프로그램 안내 창구입니다. "
        "사업이 공모 요건에 맞는지 확인해 드리고, 공모에 관한 질문에 답변해 드리며, 신청 방법을 안내해 드립니다. "
        "언제든지 질문을 입력하시거나 아래에서 선택해 주십시오.",
        "es": "Le damos la bienvenida a la ventanilla del Programa de Cooperación Global K-City Network del "
        "Ministerio de Tierra, Infraestructura y Transporte de Corea (MOLIT). Puedo comprobar si su proyecto se "
        "ajusta a la convocatoria, responder a sus preguntas al respecto y explicarle cómo postular. Escriba una "
        "pregunta cuando quiera, o elija:",
        "fr": "Bienvenue au guichet du Programme de coopération mondiale K-City Network du ministère du Territoire, "
        "des Infrastructures et des Transports de Corée (MOLIT). Je peux vérifier si votre projet correspond à "
        "l'appel, répondre à vos questions à ce sujet et vous expliquer comment candidater. Posez une question à "
        "tout moment, ou choisissez :",
    },
    "menu_prompt": {
        "en": "What would you like to do?",
        "ko": "무엇을 도와드릴까요?",
        "es": "¿Qué desea hacer?",
        "fr": "Que souhaitez-vous faire ?",
    },
    "button_check": {"en": "Check eligibility", "ko": "신청 자격 확인", "es": "Comprobar elegibilidad",
                     "fr": "Vérifier l'éligibilité"},
    "button_ask": {"en": "Ask a question", "ko": "질문하기", "es": "Hacer una pregunta", "fr": "Poser une question"},
    "button_apply": {"en": "How to apply", "ko": "신청 방법", "es": "Cómo postular", "fr": "Comment candidater"},
    "button_dates": {"en": "Deadlines", "ko": "일정", "es": "Plazos", "fr": "Dates limites"},
    "button_mine": {"en": "My application", "ko": "내 신청서", "es": "Mi solicitud", "fr": "Ma candidature"},
    "button_language": {"en": "Language", "ko": "언어", "es": "Idioma", "fr": "Langue"},
    "button_form": {"en": "Get the form", "ko": "신청서 양식 받기", "es": "Obtener el formulario",
                    "fr": "Obtenir le formulaire"},
    "button_menu": {"en": "Menu", "ko": "메뉴", "es": "Menú", "fr": "Menu"},
    "suggest_intro": {
        "en": "Perhaps your question is about one of these:",
        "ko": "혹시 다음 중 하나에 관한 질문이신가요?",
        "es": "¿Quizá su pregunta trata de alguno de estos temas?",
        "fr": "Votre question porte-t-elle sur l'un de ces sujets ?",
    },
    "ask_prompt": {
        "en": "Write your question in your own words, in English, Korean, Spanish or French.",
        "ko": "질문을 자유롭게 입력해 주십시오. 한국어, 영어, 스페인어, 프랑스어로 질문하실 수 있습니다.",
        "es": "Escriba su pregunta con sus propias palabras, en español, inglés, coreano o francés.",
        "fr": "Écrivez votre question avec vos propres mots, en français, anglais, coréen ou espagnol.",
    },
    "choose_language": {
        "en": "Choose your language:",
        "ko": "언어를 선택해 주십시오.",
        "es": "Elija su idioma:",
        "fr": "Choisissez votre langue :",
    },
    "language_set": {
        "en": "I will write in English from now on.",
        "ko": "이제부터 한국어로 안내해 드리겠습니다.",
        "es": "A partir de ahora le escribiré en español.",
        "fr": "Je vous écrirai désormais en français.",
    },
    "unknown_command": {
        "en": "I do not know that command. /help lists the ones I know.",
        "ko": "알 수 없는 명령어입니다. /help 에서 사용할 수 있는 명령어를 확인해 주십시오.",
        "es": "No conozco esa orden. /help muestra las que conozco.",
        "fr": "Je ne connais pas cette commande. /help affiche celles que je connais.",
    },
    "help": {
        "en": "Commands:\n{commands}\n\nYou can also write a question at any time.",
        "ko": "명령어:\n{commands}\n\n언제든지 질문을 입력하셔도 됩니다.",
        "es": "Órdenes:\n{commands}\n\nTambién puede escribir una pregunta en cualquier momento.",
        "fr": "Commandes :\n{commands}\n\nVous pouvez aussi écrire une question à tout moment.",
    },
    # --- how to apply, dates ----------------------------------------------------
    "how_to_apply": {
        "en": "Partner country governments or governmental institutions apply by sending the application form "
        "with a summary of the target project by email to {address}; the call also accepts applications by "
        "post. Fill in the form below (or get it as a file) and send it. You will receive a reference number "
        "by email.",
        "ko": "협력국 정부 또는 정부기관은 신청서와 대상 사업 개요를 이메일({address})로 보내 신청합니다. "
        "공모 안내문에 따르면 우편 접수도 가능합니다. 아래 양식을 작성하시거나 파일로 받아 작성하신 뒤 보내 주십시오. "
        "접수 번호는 이메일로 안내해 드립니다.",
        "es": "Los gobiernos o las instituciones gubernamentales de los países socios postulan enviando el "
        "formulario de solicitud con un resumen del proyecto por correo electrónico a {address}; la convocatoria "
        "también admite el envío por correo postal. Complete el formulario de abajo (o descárguelo) y envíelo. "
        "Recibirá un número de referencia por correo electrónico.",
        "fr": "Les gouvernements ou institutions gouvernementales des pays partenaires candidatent en envoyant le "
        "formulaire de candidature avec un résumé du projet par courriel à {address} ; l'appel accepte aussi "
        "l'envoi par la poste. Remplissez le formulaire ci-dessous (ou téléchargez-le) et envoyez-le. Vous "
        "recevrez un numéro de référence par courriel.",
    },
    "form_caption": {
        "en": "The application form: fill in each line after the colon and send it to {address}.",
        "ko": "신청서 양식입니다. 각 항목의 콜론(:) 뒤에 내용을 작성하여 {address}(으)로 보내 주십시오.",
        "es": "El formulario de solicitud: complete cada línea después de los dos puntos y envíelo a {address}.",
        "fr": "Le formulaire de candidature : complétez chaque ligne après les deux-points et envoyez-le à {address}.",
    },
    "call_open": {
        "en": "The call is open: applications are taken until {closes} ({zone}), {days} days from today.",
        "ko": "현재 공모가 진행 중입니다. 신청은 {closes}({zone} 기준)까지이며, 오늘부터 {days}일 남았습니다.",
        "es": "La convocatoria está abierta: se reciben solicitudes hasta el {closes} ({zone}), "
        "es decir, dentro de {days} días.",
        "fr": "L'appel est ouvert : les candidatures sont reçues jusqu'au {closes} ({zone}), "
        "soit dans {days} jours.",
    },
    "call_open_last_day": {
        "en": "The call is open, and today is its last day: applications are taken until the end of {closes} "
        "({zone}).",
        "ko": "현재 공모가 진행 중이며 오늘이 마감일입니다. {closes}({zone} 기준) 자정까지 신청하실 수 있습니다.",
        "es": "La convocatoria está abierta y hoy es el último día: se reciben solicitudes hasta el final del "
        "{closes} ({zone}).",
        "fr": "L'appel est ouvert et c'est aujourd'hui le dernier jour : les candidatures sont reçues jusqu'à la "
        "fin du {closes} ({zone}).",
    },
    "call_open_all_year": {
        "en": "The call is open and takes applications all year round.",
        "ko": "현재 공모가 진행 중이며 연중 상시 신청을 받습니다.",
        "es": "La convocatoria está abierta y recibe solicitudes durante todo el año.",
        "fr": "L'appel est ouvert et reçoit des candidatures toute l'année.",
    },
    "call_upcoming": {
        "en": "No call is open today ({today}). The next call opens on {opens}, in {days} days.",
        "ko": "오늘({today}) 진행 중인 공모는 없습니다. 다음 공모는 {opens}에 시작되며, {days}일 남았습니다.",
        "es": "Hoy ({today}) no hay ninguna convocatoria abierta. La próxima se abre el {opens}, dentro de {days} días.",
        "fr": "Aucun appel n'est ouvert aujourd'hui ({today}). Le prochain s'ouvrira le {opens}, dans {days} jours.",
    },
    "call_closed": {
        "en": "No call is open today ({today}). The last call, {title} {round}, took applications from {opens} "
        "to {closes}. The information sites (www.molit.go.kr, www.smartcity.go.kr, www.kindkorea.or.kr) are "
        "where a new call would be announced.",
        "ko": "오늘({today}) 진행 중인 공모는 없습니다. 가장 최근 공모({round}년 {title})는 {opens}부터 "
        "{closes}까지 신청을 받았습니다. 새 공모 소식은 안내 사이트(www.molit.go.kr, www.smartcity.go.kr, "
        "www.kindkorea.or.kr)에서 확인하실 수 있습니다.",
        "es": "Hoy ({today}) no hay ninguna convocatoria abierta. La última, {title} {round}, recibió "
        "solicitudes del {opens} al {closes}. Una nueva convocatoria se anunciaría en los sitios de información "
        "(www.molit.go.kr, www.smartcity.go.kr, www.kindkorea.or.kr).",
        "fr": "Aucun appel n'est ouvert aujourd'hui ({today}). Le dernier, {title} {round}, a reçu des "
        "candidatures du {opens} au {closes}. Un nouvel appel serait annoncé sur les sites d'information "
        "(www.molit.go.kr, www.smartcity.go.kr, www.kindkorea.or.kr).",
    },
    "timeline_past": {
        "en": "These steps were the {round} call's; that call has closed.",
        "ko": "위 일정은 {round}년 공모의 일정이며, 해당 공모는 마감되었습니다.",
        "es": "Estas etapas eran las de la convocatoria de {round}, que ya está cerrada.",
        "fr": "Ces étapes étaient celles de l'appel de {round}, qui est clos.",
    },
    # --- the guided check -------------------------------------------------------
    "q_organization_type": {
        "en": "Which kind of organization would apply?",
        "ko": "신청하실 기관은 어떤 유형입니까?",
        "es": "¿Qué tipo de organización postularía?",
        "fr": "Quel type d'organisme candidaterait ?",
    },
    "q_country": {
        "en": "In which country is it? Write the country's name.",
        "ko": "기관이 소재한 국가는 어디입니까? 국가 이름을 입력해 주십시오.",
        "es": "¿En qué país se encuentra? Escriba el nombre del país.",
        "fr": "Dans quel pays se trouve-t-il ? Écrivez le nom du pays.",
    },
    "q_category": {
        "en": "Which kind of project is it?",
        "ko": "어떤 유형의 사업입니까?",
        "es": "¿Qué tipo de proyecto es?",
        "fr": "De quel type de projet s'agit-il ?",
    },
    "q_sectors": {
        "en": "In which areas would the smart solutions work? Choose one or more, then Done.",
        "ko": "스마트 솔루션을 도입할 분야는 무엇입니까? 하나 이상 선택하신 뒤 '완료'를 눌러 주십시오.",
        "es": "¿En qué ámbitos funcionarían las soluciones inteligentes? Elija uno o varios y luego pulse Listo.",
        "fr": "Dans quels domaines les solutions intelligentes interviendraient-elles ? Choisissez-en un ou "
        "plusieurs, puis appuyez sur Terminé.",
    },
    "q_support": {
        "en": "Which support would you like? Choose one or more, then Done.",
        "ko": "어떤 지원을 희망하십니까? 하나 이상 선택하신 뒤 '완료'를 눌러 주십시오.",
        "es": "¿Qué apoyo desea? Elija uno o varios y luego pulse Listo.",
        "fr": "Quel soutien souhaitez-vous ? Choisissez-en un ou plusieurs, puis appuyez sur Terminé.",
    },
    "q_status": {
        "en": "Is it a new project, or one already under way?",
        "ko": "신규 사업입니까, 아니면 이미 추진 중인 사업입니까?",
        "es": "¿Es un proyecto nuevo o uno ya en curso?",
        "fr": "S'agit-il d'un nouveau projet ou d'un projet déjà en cours ?",
    },
    "q_amount": {
        "en": "How much support would you ask for? Write the amount and its currency (for example: "
        "800 million KRW, or USD 500,000).",
        "ko": "요청하실 지원 금액은 얼마입니까? 금액과 통화를 입력해 주십시오(예: 8억 원, 미화 50만 달러).",
        "es": "¿Cuánto apoyo solicitaría? Escriba el monto y la moneda (por ejemplo: 800 millones de KRW o "
        "USD 500.000).",
        "fr": "Quel montant de soutien demanderiez-vous ? Écrivez le montant et la devise (par exemple : "
        "800 millions de KRW ou 500 000 USD).",
    },
    "not_understood_country": {
        "en": "I could not find a country in \u201c{text}\u201d.",
        "ko": "\u201c{text}\u201d에서 국가 이름을 찾지 못했습니다.",
        "es": "No encontré ningún país en \u201c{text}\u201d.",
        "fr": "Je n'ai pas trouvé de pays dans \u00ab {text} \u00bb.",
    },
    "not_understood_amount": {
        "en": "I could not read an amount with its currency in \u201c{text}\u201d.",
        "ko": "\u201c{text}\u201d에서 통화가 포함된 금액을 찾지 못했습니다.",
        "es": "No pude leer un monto con su moneda en \u201c{text}\u201d.",
        "fr": "Je n'ai pas pu lire un montant avec sa devise dans \u00ab {text} \u00bb.",
    },
    "not_understood_choice": {
        "en": "Please choose one of the buttons, or write a question.",
        "ko": "버튼 중 하나를 선택하시거나 질문을 입력해 주십시오.",
        "es": "Elija uno de los botones o escriba una pregunta.",
        "fr": "Choisissez l'un des boutons, ou écrivez une question.",
    },
    "button_done": {"en": "Done", "ko": "완료", "es": "Listo", "fr": "Terminé"},
    "button_back": {"en": "Back", "ko": "이전", "es": "Atrás", "fr": "Retour"},
    "button_restart": {"en": "Start over", "ko": "처음부터", "es": "Empezar de nuevo", "fr": "Recommencer"},
    "button_skip": {"en": "I don't know yet", "ko": "아직 모름", "es": "Aún no lo sé", "fr": "Je ne sais pas encore"},
    "button_training": {"en": "training in Korea", "ko": "방한 연수", "es": "capacitación en Corea",
                        "fr": "formation en Corée"},
    "button_consulting": {"en": "technical consulting", "ko": "기술 자문", "es": "consultoría técnica",
                          "fr": "conseil technique"},
    "answer_recorded": {
        "en": "{label}: {value}",
        "ko": "{label}: {value}",
        "es": "{label}: {value}",
        "fr": "{label} : {value}",
    },
    # --- the verdict ------------------------------------------------------------
    "verdict_eligible": {
        "en": "From what you told me, the project fits the call.",
        "ko": "말씀해 주신 내용으로 보면 이 사업은 공모 요건에 부합합니다.",
        "es": "Según lo que me ha indicado, el proyecto se ajusta a la convocatoria.",
        "fr": "D'après ce que vous m'avez indiqué, le projet correspond à l'appel.",
    },
    "verdict_ineligible": {
        "en": "From what you told me, this application would not be eligible:",
        "ko": "말씀해 주신 내용으로 보면 이 신청은 자격 요건을 충족하지 않습니다.",
        "es": "Según lo que me ha indicado, esta solicitud no sería elegible:",
        "fr": "D'après ce que vous m'avez indiqué, cette candidature ne serait pas éligible :",
    },
    "verdict_needs_review": {
        "en": "From what you told me, a person on the program team would have to look at this application:",
        "ko": "말씀해 주신 내용으로 보면 이 신청은 프로그램 담당자의 검토가 필요합니다.",
        "es": "Según lo que me ha indicado, una persona del equipo del programa tendría que examinar esta solicitud:",
        "fr": "D'après ce que vous m'avez indiqué, une personne de l'équipe du programme devrait examiner cette "
        "candidature :",
    },
    "verdict_undetermined": {
        "en": "I cannot tell yet; it depends on: {missing}.",
        "ko": "아직 판단할 수 없습니다. 다음 정보가 필요합니다: {missing}.",
        "es": "Aún no puedo saberlo; depende de: {missing}.",
        "fr": "Je ne peux pas encore le dire ; cela dépend de : {missing}.",
    },
    "verdict_case": {
        "en": "What your message says: {facts}.",
        "ko": "말씀하신 내용: {facts}.",
        "es": "Lo que indica su mensaje: {facts}.",
        "fr": "Ce qu'indique votre message : {facts}.",
    },
    "verdict_answers": {
        "en": "Your answers: {facts}.",
        "ko": "입력하신 내용: {facts}.",
        "es": "Sus respuestas: {facts}.",
        "fr": "Vos réponses : {facts}.",
    },
    "verdict_next": {
        "en": "Next step: send the application form by email to {address}.",
        "ko": "다음 단계: 신청서를 이메일({address})로 보내 주십시오.",
        "es": "Siguiente paso: envíe el formulario de solicitud por correo electrónico a {address}.",
        "fr": "Étape suivante : envoyez le formulaire de candidature par courriel à {address}.",
    },
    "verdict_check_hint": {
        "en": "For a full check, answer a few questions with /check.",
        "ko": "자세히 확인하시려면 /check 로 몇 가지 질문에 답해 주십시오.",
        "es": "Para una comprobación completa, responda a unas preguntas con /check.",
        "fr": "Pour une vérification complète, répondez à quelques questions avec /check.",
    },
    "cited": {
        "en": "The call: \u201c{quote}\u201d",
        "ko": "공모 안내문: \u201c{quote}\u201d",
        "es": "La convocatoria: \u201c{quote}\u201d",
        "fr": "L'appel : \u00ab {quote} \u00bb",
    },
    # Reasons: the engine's codes, in each language ({...} from the answers and the round).
    "reason_applicant_private_only": {
        "en": "Applicants are limited to governments (central or local) and public-sector entities and companies; "
        "a private company cannot apply on its own.",
        "ko": "신청 주체는 중앙·지방정부와 공공부문 기관 및 기업으로 한정되며, 민간기업은 단독으로 신청할 수 없습니다.",
        "es": "Solo pueden postular los gobiernos (centrales o locales) y las entidades y empresas del sector "
        "público; una empresa privada no puede postular por sí sola.",
        "fr": "Seuls les gouvernements (centraux ou locaux) et les entités et entreprises du secteur public peuvent "
        "candidater ; une entreprise privée ne peut pas candidater seule.",
    },
    "reason_applicant_type_not_covered": {
        "en": "The call names governments (central or local) and public-sector entities and companies as "
        "applicants; it does not say whether this kind of organization ({kind}) can apply. A person will review it.",
        "ko": "공모 안내문은 중앙·지방정부와 공공부문 기관 및 기업을 신청 주체로 명시하고 있으며, "
        "이러한 유형의 기관({kind})의 신청 가능 여부는 언급하지 않습니다. 담당자가 검토합니다.",
        "es": "La convocatoria nombra como solicitantes a los gobiernos (centrales o locales) y a las entidades y "
        "empresas del sector público; no dice si puede postular este tipo de organización ({kind}). Una persona lo "
        "revisará.",
        "fr": "L'appel désigne comme candidats les gouvernements (centraux ou locaux) et les entités et entreprises "
        "du secteur public ; il ne précise pas si ce type d'organisme ({kind}) peut candidater. Une personne "
        "l'examinera.",
    },
    "reason_country_korea": {
        "en": "The program is for Korea's partner countries, with which Korea shares its smart city experience; "
        "an organization in Korea cannot apply.",
        "ko": "이 프로그램은 한국이 스마트시티 경험을 공유하는 협력국을 위한 것으로, 한국 내 기관은 신청할 수 없습니다.",
        "es": "El programa es para los países socios de Corea, con los que Corea comparte su experiencia en "
        "ciudades inteligentes; una organización de Corea no puede postular.",
        "fr": "Le programme s'adresse aux pays partenaires de la Corée, avec lesquels elle partage son expérience "
        "des villes intelligentes ; un organisme situé en Corée ne peut pas candidater.",
    },
    "reason_category_not_offered": {
        "en": "The call takes these kinds of project: {offered}; {asked} is not one of them.",
        "ko": "공모 대상 사업은 {offered}이며, {asked}은(는) 해당하지 않습니다.",
        "es": "La convocatoria admite estos tipos de proyecto: {offered}; {asked} no es uno de ellos.",
        "fr": "L'appel porte sur les projets suivants : {offered} ; {asked} n'en fait pas partie.",
    },
    "reason_sector_not_offered": {
        "en": "The call covers smart solutions in {offered}; {asked} is not among them.",
        "ko": "공모 대상 스마트 솔루션 분야는 {offered}이며, {asked}은(는) 포함되지 않습니다.",
        "es": "La convocatoria cubre soluciones inteligentes en estos ámbitos: {offered}; {asked} no está entre ellos.",
        "fr": "L'appel couvre les solutions intelligentes dans ces domaines : {offered} ; {asked} n'en fait pas "
        "partie.",
    },
    "reason_support_not_offered": {
        "en": "The call offers {offered}; {asked} is not offered.",
        "ko": "공모에서 제공하는 지원은 {offered}이며, {asked}은(는) 제공되지 않습니다.",
        "es": "La convocatoria ofrece {offered}; {asked} no se ofrece.",
        "fr": "L'appel propose : {offered} ; {asked} n'est pas proposé.",
    },
    "reason_over_cap": {
        "en": "The call plans up to {cap} per project; you would ask for {asked}. A person will review it.",
        "ko": "공모는 사업당 최대 {cap}을(를) 지원할 계획이며, 요청 금액은 {asked}입니다. 담당자가 검토합니다.",
        "es": "La convocatoria prevé hasta {cap} por proyecto; usted solicitaría {asked}. Una persona lo revisará.",
        "fr": "L'appel prévoit jusqu'à {cap} par projet ; vous demanderiez {asked}. Une personne l'examinera.",
    },
    "reason_under_min": {
        "en": "The call plans at least {minimum} per project; you would ask for {asked}. A person will review it.",
        "ko": "공모는 사업당 최소 {minimum}을(를) 지원할 계획이며, 요청 금액은 {asked}입니다. 담당자가 검토합니다.",
        "es": "La convocatoria prevé al menos {minimum} por proyecto; usted solicitaría {asked}. Una persona lo "
        "revisará.",
        "fr": "L'appel prévoit au moins {minimum} par projet ; vous demanderiez {asked}. Une personne l'examinera.",
    },
    "reason_ongoing_not_offered": {
        "en": "This call is for new projects; projects already under way are not covered.",
        "ko": "이번 공모는 신규 사업 대상이며, 이미 추진 중인 사업은 해당하지 않습니다.",
        "es": "Esta convocatoria es para proyectos nuevos; los proyectos ya en curso no están incluidos.",
        "fr": "Cet appel concerne de nouveaux projets ; les projets déjà en cours ne sont pas couverts.",
    },
    "reason_late": {
        "en": "It would be sent after the call closed on {closes}. A person will review it.",
        "ko": "공모 마감일({closes}) 이후에 제출되는 신청입니다. 담당자가 검토합니다.",
        "es": "Se enviaría después del cierre de la convocatoria, el {closes}. Una persona lo revisará.",
        "fr": "Elle serait envoyée après la clôture de l'appel, le {closes}. Une personne l'examinera.",
    },
    "reason_early": {
        "en": "It would be sent before the call opens on {opens}. A person will review it.",
        "ko": "공모 시작일({opens}) 이전에 제출되는 신청입니다. 담당자가 검토합니다.",
        "es": "Se enviaría antes de la apertura de la convocatoria, el {opens}. Una persona lo revisará.",
        "fr": "Elle serait envoyée avant l'ouverture de l'appel, le {opens}. Une personne l'examinera.",
    },
    # --- my application (Telegram) ----------------------------------------------
    "mine_how": {
        "en": "To follow your application here, open the Telegram link in the acknowledgement email we sent you "
        "when your application arrived. Only that link shows an application.",
        "ko": "여기에서 신청 현황을 확인하시려면, 신청서 접수 시 보내 드린 접수 확인 이메일의 텔레그램 링크를 "
        "열어 주십시오. 신청 내용은 해당 링크를 통해서만 확인하실 수 있습니다.",
        "es": "Para seguir su solicitud aquí, abra el enlace de Telegram del correo de acuse de recibo que le "
        "enviamos cuando llegó su solicitud. Solo ese enlace muestra una solicitud.",
        "fr": "Pour suivre votre candidature ici, ouvrez le lien Telegram figurant dans le courriel d'accusé de "
        "réception envoyé à l'arrivée de votre candidature. Seul ce lien permet d'afficher une candidature.",
    },
    "link_bound": {
        "en": "This chat now follows application {reference}. I will tell you here when its status changes.",
        "ko": "이 대화방에서 신청서 {reference}의 현황을 확인하실 수 있습니다. 상태가 바뀌면 여기에서 알려 드리겠습니다.",
        "es": "Este chat sigue ahora la solicitud {reference}. Le avisaré aquí cuando cambie su estado.",
        "fr": "Cette conversation suit désormais la candidature {reference}. Je vous préviendrai ici quand son "
        "statut changera.",
    },
    "link_invalid": {
        "en": "This link is not valid, or it has been withdrawn. Use the link in your most recent acknowledgement "
        "email, or reply to that email to ask for a new one.",
        "ko": "유효하지 않거나 사용이 중지된 링크입니다. 가장 최근에 받으신 접수 확인 이메일의 링크를 이용하시거나, "
        "해당 이메일에 회신하여 새 링크를 요청해 주십시오.",
        "es": "Este enlace no es válido o ha sido retirado. Use el enlace de su correo de acuse de recibo más "
        "reciente, o responda a ese correo para pedir uno nuevo.",
        "fr": "Ce lien n'est pas valide ou a été retiré. Utilisez le lien de votre accusé de réception le plus "
        "récent, ou répondez à ce courriel pour en demander un nouveau.",
    },
    "status_report": {
        "en": "Application {reference}\nStatus: {status}\nLast change: {updated}",
        "ko": "신청서 {reference}\n상태: {status}\n최근 변경: {updated}",
        "es": "Solicitud {reference}\nEstado: {status}\nÚltimo cambio: {updated}",
        "fr": "Candidature {reference}\nStatut : {status}\nDernière modification : {updated}",
    },
    "status_missing": {
        "en": "Still missing or to correct: {fields}. Reply to our email with them.",
        "ko": "아직 누락되었거나 수정이 필요한 항목: {fields}. 저희 이메일에 회신하여 보내 주십시오.",
        "es": "Aún falta o debe corregirse: {fields}. Responda a nuestro correo con esos datos.",
        "fr": "Encore manquant ou à corriger : {fields}. Répondez à notre courriel en les indiquant.",
    },
    "status_history": {
        "en": "Changes:",
        "ko": "변경 이력:",
        "es": "Cambios:",
        "fr": "Modifications :",
    },
    "status_changed": {
        "en": "Application {reference}: the status is now {status}.",
        "ko": "신청서 {reference}의 상태가 '{status}'(으)로 변경되었습니다.",
        "es": "Solicitud {reference}: el estado es ahora {status}.",
        "fr": "Candidature {reference} : le statut est désormais {status}.",
    },
    "text_only": {
        "en": "I can only read text here. To send an application with its files, email it to {address}.",
        "ko": "이곳에서는 텍스트만 읽을 수 있습니다. 파일이 포함된 신청서는 이메일({address})로 보내 주십시오.",
        "es": "Aquí solo puedo leer texto. Para enviar una solicitud con sus archivos, envíela por correo electrónico "
        "a {address}.",
        "fr": "Je ne peux lire que du texte ici. Pour envoyer une candidature avec ses fichiers, adressez-la par "
        "courriel à {address}.",
    },
    "error": {
        "en": "Sorry, something went wrong on our side. Please try again in a moment.",
        "ko": "죄송합니다. 시스템에 문제가 발생했습니다. 잠시 후 다시 시도해 주십시오.",
        "es": "Lo sentimos, algo ha fallado por nuestra parte. Vuelva a intentarlo en un momento.",
        "fr": "Désolé, une erreur s'est produite de notre côté. Veuillez réessayer dans un instant.",
    },
    # Application statuses, as an applicant reads them.
    "status_incomplete": {"en": "incomplete: information is missing", "ko": "미완료(정보 누락)",
                          "es": "incompleta: falta información", "fr": "incomplète : des informations manquent"},
    "status_complete": {"en": "complete, received for review", "ko": "접수 완료(심사 대기)",
                        "es": "completa, recibida para evaluación", "fr": "complète, reçue pour examen"},
    "status_needs_review": {"en": "received; a person will review it", "ko": "접수됨(담당자 검토 필요)",
                            "es": "recibida; una persona la revisará", "fr": "reçue ; une personne l'examinera"},
    "status_ineligible": {"en": "not eligible under the call", "ko": "신청 자격 미충족",
                          "es": "no elegible según la convocatoria", "fr": "non éligible selon l'appel"},
    "status_under_review": {"en": "under review", "ko": "심사 중", "es": "en evaluación", "fr": "en cours d'examen"},
    "status_selected": {"en": "selected", "ko": "선정", "es": "seleccionada", "fr": "retenue"},
    "status_not_selected": {"en": "not selected", "ko": "미선정", "es": "no seleccionada", "fr": "non retenue"},
    "status_withdrawn": {"en": "withdrawn", "ko": "철회", "es": "retirada", "fr": "retirée"},
}


def phrase(key: str, lang: str, **values) -> str:
    """The phrase in ``lang`` (English if missing), with ``values`` filled in."""
    texts = PHRASES[key]
    return (texts.get(lang) or texts[DEFAULT_LANGUAGE]).format(**values)
