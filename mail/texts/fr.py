"""French texts: formal register (vouvoiement) for foreign officials.

French typography puts a no-break space before ":" and inside « ».
"""

from mail.texts import Texts

PROGRAM = "Programme de coopération mondiale K-City Network"
MOLIT = "ministère du Territoire, des Infrastructures et des Transports de Corée (MOLIT)"
NBSP = "\u00a0"

TEXTS = Texts(
    subjects={
        "acknowledgement": f"Accusé de réception de votre candidature au {PROGRAM}",
        "missing_fields": "Informations manquantes pour votre candidature à K-City Network",
        "ineligible": "Éligibilité de votre candidature à K-City Network",
        "inquiry": f"Comment présenter une candidature au {PROGRAM}",
    },
    greeting="Madame, Monsieur,",
    greeting_named=f"À l'attention de{NBSP}: {{name}}\n\nMadame, Monsieur,",
    reference_line=f"Numéro de référence{NBSP}: {{reference}}",
    reply_hint="Dans votre réponse, nous vous prions de ne pas modifier l'objet du message.",
    reply_hint_ref="Dans votre réponse, nous vous prions de conserver la référence [{reference}] dans l'objet.",
    ack_intro=(
        f"Nous vous remercions de votre candidature au {PROGRAM} du {MOLIT}. "
        "Nous l'avons bien reçue et enregistrée."
    ),
    ack_received=f"Voici les informations reçues{NBSP}:",
    ack_next_heading="Prochaines étapes",
    ack_next=(
        "Pour examiner et sélectionner les projets, le MOLIT met en place un comité d'évaluation "
        "public-privé. Les projets retenus dans le cadre du programme pourront bénéficier d'un soutien "
        "financier et technique pour l'élaboration d'un plan conceptuel, d'un plan directeur, d'une "
        "étude de préfaisabilité ou d'une étude de faisabilité, selon la demande de chaque pays et "
        "l'état d'avancement du projet, ainsi que de possibilités de formation en Corée."
    ),
    ack_follow_up="Pour compléter ou corriger des informations, il vous suffit de répondre à ce courriel.",
    notes_heading=f"À noter{NBSP}:",
    missing_intro=(
        f"Nous vous remercions de votre candidature au {PROGRAM}. "
        f"Pour la compléter, nous avons besoin des informations suivantes{NBSP}:"
    ),
    missing_required="cette information est obligatoire.",
    invalid=f"la valeur indiquée n'est pas valide (détail en anglais{NBSP}: {{message}}).",
    example=f"Exemple{NBSP}: {{example}}",
    fill_in=f"Nous vous prions de répondre à ce courriel en complétant les lignes ci-dessous{NBSP}:",
    ineligible_intro=(
        f"Nous vous remercions de l'intérêt que vous portez au {PROGRAM}. Après examen de votre "
        "candidature au regard de l'appel à candidatures, nous avons le regret de vous informer "
        "qu'elle ne peut pas être acceptée."
    ),
    reason=f"Motif (en anglais){NBSP}: {{message}}",
    note="(En anglais) {message}",
    ineligible_generic="La candidature ne remplit pas les conditions fixées par l'appel à candidatures.",
    ineligible_follow_up=(
        "Si vous estimez qu'une information de votre candidature a été mal interprétée, "
        "vous pouvez répondre à ce courriel."
    ),
    citation=f"L'appel à candidatures indique (texte original en anglais){NBSP}: {{quote}}",
    quote=f"«{NBSP}{{}}{NBSP}»",
    inquiry_intro=f"Nous vous remercions de l'intérêt que vous portez au {PROGRAM} du {MOLIT}.",
    howto_heading="Comment présenter une candidature",
    howto_who=(
        f"Qui peut présenter une candidature{NBSP}: les gouvernements, centraux comme locaux, "
        "ainsi que les entités et entreprises du secteur public. La participation du seul secteur "
        "privé n'est pas admise."
    ),
    howto_projects=(
        f"Projets{NBSP}: projets de développement urbain et projets de développement de solutions "
        "introduisant des solutions intelligentes pour améliorer les services urbains dans les "
        "domaines de l'administration, des transports, de la santé publique, de la protection "
        "sociale, de l'environnement, de l'énergie, de la gestion des ressources en eau, de la "
        "sécurité, de l'éducation et de la culture. Les projets déjà en cours peuvent également "
        "bénéficier du programme."
    ),
    howto_support=(
        f"Soutien{NBSP}: soutien financier et technique pour l'élaboration d'un plan conceptuel, d'un "
        "plan directeur, d'une étude de préfaisabilité ou d'une étude de faisabilité, et sessions de "
        "formation en Corée pour les agents publics chargés des projets. La Corée prévoit d'allouer "
        "jusqu'à un milliard de KRW (0,85 million d'USD) par projet."
    ),
    howto_send=(
        f"Modalités{NBSP}: envoyez par courriel le formulaire de candidature accompagné d'un résumé "
        "du projet. Vous pouvez simplement répondre à ce courriel en complétant le formulaire ci-dessous."
    ),
    form_heading="Formulaire de candidature",
    form_required=(
        f"Informations obligatoires{NBSP}: {{labels}}{NBSP}; pour les projets de développement "
        "de solutions, également {sectors}."
    ),
    info_sites=(
        "Les informations relatives à la candidature au programme sont disponibles sur les sites "
        "officiels du MOLIT (www.molit.go.kr), de Smart City Korea (www.smartcity.go.kr) et de la "
        "Korea Overseas Infrastructure and Urban Development Corporation (KIND, www.kindkorea.or.kr)."
    ),
    bot_link=f"Suivez votre candidature sur Telegram{NBSP}: {{link}}",
    unread_attachments=(
        "Nous n'avons pas pu lire les pièces jointes {files}. Nous lisons les fichiers Word (.doc, .docx), "
        "Excel (.xls, .xlsx), OpenDocument (.odt, .ods), RTF, Hangul (.hwp, .hwpx), PDF contenant du texte (et non des documents numérisés), "
        "pages web (.html) et texte brut. Nous vous prions d'envoyer le formulaire dans l'un de ces formats, "
        "ou d'écrire les réponses dans le corps de votre courriel."
    ),
    unnamed_attachment="n° {number} (sans nom)",
    approx="{amount} (environ {converted})",
    yes="oui",
    no="non",
    list_separator=", ",
    footer="Ce message a été envoyé automatiquement par le guichet des candidatures de K-City Network.",
    choices={
        "central_government": "gouvernement central",
        "local_government": "collectivité locale",
        "public_institution": "établissement public",
        "public_enterprise": "entreprise publique",
        "international_organization": "organisation internationale",
        "private_company": "entreprise privée",
        "other": "autre",
        "urban_development": "projet de développement urbain",
        "smart_solution": "projet de développement de solutions (solutions intelligentes)",
        "administration": "administration",
        "transportation": "transports",
        "public_health": "santé publique",
        "welfare": "protection sociale",
        "environment": "environnement",
        "energy": "énergie",
        "water_resources": "gestion des ressources en eau",
        "security": "sécurité",
        "education": "éducation",
        "culture": "culture",
        "concept_plan": "plan conceptuel",
        "master_plan": "plan directeur",
        "pre_feasibility_study": "étude de préfaisabilité",
        "feasibility_study": "étude de faisabilité",
        "new": "nouveau projet",
        "ongoing": "projet déjà en cours",
    },
    # Décisions d'examen : ce que l'appel dit de la sélection, et rien de plus.
    status_updates={
        "under_review": (
            f"Votre candidature au {PROGRAM} est désormais en cours d'examen. Pour examiner et "
            "sélectionner les projets, le MOLIT met en place un comité d'évaluation public-privé. "
            "Nous vous écrirons de nouveau lorsqu'une décision aura été prise."
        ),
        "selected": (
            f"Nous avons le plaisir de vous informer que votre projet a été retenu dans le cadre du {PROGRAM}. "
            "Les projets retenus peuvent bénéficier d'un soutien financier et technique pour le développement "
            "du projet, ainsi que de possibilités de formation en Corée. L'équipe K-City Network prendra "
            "contact avec vous au sujet des prochaines étapes."
        ),
        "not_selected": (
            f"Nous vous remercions de votre candidature au {PROGRAM}. À l'issue de l'examen, nous avons "
            "le regret de vous informer que votre projet n'a pas été retenu."
        ),
        "withdrawn": (
            f"Votre candidature au {PROGRAM} a été retirée et ne sera plus examinée. "
            "Si vous n'en avez pas fait la demande, nous vous prions de répondre à ce courriel."
        ),
    },
    status_subject="Suivi de votre candidature à K-City Network",
)
