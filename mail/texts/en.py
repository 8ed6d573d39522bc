"""English texts. The call for applications is in English: sentences here stay close to it."""

from mail.texts import Texts

PROGRAM = "K-City Network Global Cooperation Program"

TEXTS = Texts(
    subjects={
        "acknowledgement": f"Your application to the {PROGRAM}",
        "missing_fields": "Information needed for your K-City Network application",
        "ineligible": "Eligibility of your K-City Network application",
        "inquiry": f"How to apply to the {PROGRAM}",
    },
    greeting="Dear Sir or Madam,",
    greeting_named="Dear {name},",
    reference_line="Reference number: {reference}",
    reply_hint="When you reply, please do not change the subject.",
    reply_hint_ref="When you reply, please keep the reference [{reference}] in the subject.",
    ack_intro=(
        f"Thank you for your application to the {PROGRAM} of the Ministry of Land, "
        "Infrastructure and Transport of Korea (MOLIT). We have received and registered it."
    ),
    ack_received="This is what we received:",
    ack_next_heading="Next steps",
    ack_next=(
        "To review and select target projects, MOLIT sets up a public-private review committee. "
        "Projects selected under the program are eligible for financial and technical support to "
        "develop a concept plan, master plan, pre-feasibility study or feasibility study, depending "
        "on the demand of each country and the status of the project, as well as for training "
        "opportunities in Korea."
    ),
    ack_follow_up="To add or correct information, simply reply to this email.",
    notes_heading="Please note:",
    missing_intro=(
        f"Thank you for your application to the {PROGRAM}. "
        "To complete it, we need the following information:"
    ),
    missing_required="this information is required.",
    invalid="the value given is not valid ({message}).",
    example="Example: {example}",
    fill_in="Please reply to this email with the following lines filled in:",
    ineligible_intro=(
        f"Thank you for your interest in the {PROGRAM}. We have checked your application "
        "against the call for applications and regret to inform you that it cannot be accepted."
    ),
    reason="Reason: {message}",
    note="{message}",
    ineligible_generic="The application does not meet the conditions set out in the call for applications.",
    ineligible_follow_up=(
        "If you believe that information in your application has been misread, you may reply to this email."
    ),
    citation="The call for applications states: {quote}",
    quote="“{}”",
    inquiry_intro=(
        f"Thank you for your interest in the {PROGRAM} of the Ministry of Land, "
        "Infrastructure and Transport of Korea (MOLIT)."
    ),
    howto_heading="How to apply",
    howto_who=(
        "Who may apply: governments, both central and local, and public sector entities and "
        "companies. Participation by the private sector only is not allowed."
    ),
    howto_projects=(
        "Projects: urban development projects, and solution development projects that introduce "
        "smart solutions to improve urban services in administration, transportation, public "
        "health, welfare, environment, energy, water resources management, security, education "
        "and culture. Existing projects underway can also benefit from the program."
    ),
    howto_support=(
        "Support: financial and technical support to develop a concept plan, master plan, "
        "pre-feasibility study or feasibility study, and training sessions in Korea for the public "
        "officials in charge of the projects. Korea plans to allocate up to one billion KRW or "
        "0.85 million USD per project."
    ),
    howto_send=(
        "How: send the application form, with a summary of the target project, by email. "
        "You may simply reply to this email with the form below filled in."
    ),
    form_heading="Application form",
    form_required="Required: {labels}; for solution development projects, also {sectors}.",
    info_sites=(
        "Information on the program application is available at the official websites of MOLIT "
        "(www.molit.go.kr), Smart City Korea (www.smartcity.go.kr) and the Korea Overseas "
        "Infrastructure and Urban Development Corporation (KIND, www.kindkorea.or.kr)."
    ),
    bot_link="Follow your application on Telegram: {link}",
    unread_attachments=(
        "We could not read the attached {files}. We can read Word (.doc, .docx), Excel (.xls, .xlsx), OpenDocument "
        "(.odt, .ods), RTF, Hangul (.hwp, .hwpx), PDF files with text (not scans), web pages (.html) and plain text. Please send the "
        "form in one of these formats, or write the answers in the body of your email."
    ),
    unnamed_attachment="file no. {number} (it has no name)",
    approx="{amount} (about {converted})",
    yes="yes",
    no="no",
    list_separator=", ",
    footer="This is an automated message from the K-City Network application desk.",
    choices={
        "central_government": "central government",
        "local_government": "local government",
        "public_institution": "public institution",
        "public_enterprise": "public enterprise",
        "international_organization": "international organization",
        "private_company": "private company",
        "other": "other",
        "urban_development": "urban development project",
        "smart_solution": "solution development project (smart solutions)",
        "administration": "administration",
        "transportation": "transportation",
        "public_health": "public health",
        "welfare": "welfare",
        "environment": "environment",
        "energy": "energy",
        "water_resources": "water resources management",
        "security": "security",
        "education": "education",
        "culture": "culture",
        "concept_plan": "concept plan",
        "master_plan": "master plan",
        "pre_feasibility_study": "pre-feasibility study",
        "feasibility_study": "feasibility study",
        "new": "new project",
        "ongoing": "existing project underway",
    },
    # Review decisions: what the call says of selection, and no more (no amounts, no dates).
    status_updates={
        "under_review": (
            f"Your application to the {PROGRAM} is now under review. To review and select target "
            "projects, MOLIT sets up a public-private review committee. We will write to you again "
            "when a decision has been made."
        ),
        "selected": (
            f"We are pleased to inform you that your project has been selected under the {PROGRAM}. "
            "Projects selected under the program are eligible for financial and technical support for "
            "project development, as well as training opportunities in Korea. The K-City Network team "
            "will contact you about the next steps."
        ),
        "not_selected": (
            f"Thank you for your application to the {PROGRAM}. After review, we regret to inform you "
            "that your project has not been selected."
        ),
        "withdrawn": (
            f"Your application to the {PROGRAM} has been withdrawn and will not be reviewed further. "
            "If you did not ask for this, please reply to this email."
        ),
    },
    status_subject="Update on your K-City Network application",
)
