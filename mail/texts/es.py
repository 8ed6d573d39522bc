"""Spanish texts: formal register (usted) for foreign officials."""

from mail.texts import Texts

PROGRAM = "Programa de Cooperación Global K-City Network"
MOLIT = "Ministerio de Tierra, Infraestructura y Transporte de Corea (MOLIT)"

TEXTS = Texts(
    subjects={
        "acknowledgement": f"Acuse de recibo de su solicitud al {PROGRAM}",
        "missing_fields": "Información pendiente para su solicitud a K-City Network",
        "ineligible": "Elegibilidad de su solicitud a K-City Network",
        "inquiry": f"Cómo presentar una solicitud al {PROGRAM}",
    },
    greeting="De nuestra consideración:",
    greeting_named="Estimado/a {name}:",
    reference_line="Número de referencia: {reference}",
    reply_hint="Al responder, le rogamos no modificar el asunto.",
    reply_hint_ref="Al responder, le rogamos conservar la referencia [{reference}] en el asunto.",
    ack_intro=(
        f"Le agradecemos su solicitud al {PROGRAM} del {MOLIT}. "
        "La hemos recibido y registrado."
    ),
    ack_received="Estos son los datos recibidos:",
    ack_next_heading="Próximos pasos",
    ack_next=(
        "Para evaluar y seleccionar los proyectos, el MOLIT conforma un comité de evaluación "
        "público-privado. Los proyectos seleccionados en el marco del programa podrán recibir apoyo "
        "financiero y técnico para elaborar un plan conceptual, un plan maestro, un estudio de "
        "prefactibilidad o un estudio de factibilidad, según la demanda de cada país y el estado "
        "del proyecto, así como oportunidades de capacitación en Corea."
    ),
    ack_follow_up="Si desea añadir o corregir información, basta con responder a este correo.",
    notes_heading="Tenga en cuenta:",
    missing_intro=(
        f"Le agradecemos su solicitud al {PROGRAM}. "
        "Para completarla, necesitamos la siguiente información:"
    ),
    missing_required="este dato es obligatorio.",
    invalid="el valor indicado no es válido (detalle en inglés: {message}).",
    example="Ejemplo: {example}",
    fill_in="Le rogamos responder a este correo completando las líneas siguientes:",
    ineligible_intro=(
        f"Le agradecemos su interés en el {PROGRAM}. Tras examinar su solicitud conforme a la "
        "convocatoria, lamentamos informarle de que no puede ser aceptada."
    ),
    reason="Motivo (en inglés): {message}",
    note="(En inglés) {message}",
    ineligible_generic="La solicitud no cumple las condiciones establecidas en la convocatoria.",
    ineligible_follow_up=(
        "Si considera que algún dato de su solicitud se ha interpretado de forma incorrecta, "
        "puede responder a este correo."
    ),
    citation="La convocatoria establece (texto original en inglés): {quote}",
    quote="«{}»",
    inquiry_intro=f"Le agradecemos su interés en el {PROGRAM} del {MOLIT}.",
    howto_heading="Cómo presentar una solicitud",
    howto_who=(
        "Quién puede solicitar: los gobiernos, tanto centrales como locales, y las entidades y "
        "empresas del sector público. No se admite la participación exclusiva del sector privado."
    ),
    howto_projects=(
        "Proyectos: proyectos de desarrollo urbano y proyectos de desarrollo de soluciones que "
        "introducen soluciones inteligentes para mejorar los servicios urbanos en administración, "
        "transporte, salud pública, bienestar social, medio ambiente, energía, gestión de recursos "
        "hídricos, seguridad, educación y cultura. Los proyectos ya en curso también pueden "
        "beneficiarse del programa."
    ),
    howto_support=(
        "Apoyo: apoyo financiero y técnico para elaborar un plan conceptual, un plan maestro, un "
        "estudio de prefactibilidad o un estudio de factibilidad, y sesiones de capacitación en "
        "Corea para los funcionarios públicos a cargo de los proyectos. Corea prevé asignar hasta "
        "mil millones de KRW (0,85 millones de USD) por proyecto."
    ),
    howto_send=(
        "Cómo: envíe por correo electrónico el formulario de solicitud junto con un resumen del "
        "proyecto. Puede simplemente responder a este correo con el formulario siguiente completado."
    ),
    form_heading="Formulario de solicitud",
    form_required="Datos obligatorios: {labels}; para los proyectos de desarrollo de soluciones, también {sectors}.",
    info_sites=(
        "Encontrará información sobre la convocatoria en los sitios web oficiales del MOLIT "
        "(www.molit.go.kr), de Smart City Korea (www.smartcity.go.kr) y de la Korea Overseas "
        "Infrastructure and Urban Development Corporation (KIND, www.kindkorea.or.kr)."
    ),
    bot_link="Siga su solicitud en Telegram: {link}",
    unread_attachments=(
        "No hemos podido leer los archivos adjuntos {files}. Podemos leer Word (.doc, .docx), Excel (.xls, .xlsx), "
        "OpenDocument (.odt, .ods), RTF, Hangul (.hwp, .hwpx), PDF con texto (no escaneados), páginas web (.html) y texto sin formato. "
        "Envíe el formulario en uno de estos formatos o escriba las respuestas en el cuerpo de su correo."
    ),
    unnamed_attachment="n.º {number} (sin nombre)",
    approx="{amount} (aprox. {converted})",
    yes="sí",
    no="no",
    list_separator=", ",
    footer="Este es un mensaje automático de la ventanilla de solicitudes de K-City Network.",
    choices={
        "central_government": "gobierno central",
        "local_government": "gobierno local",
        "public_institution": "institución pública",
        "public_enterprise": "empresa pública",
        "international_organization": "organización internacional",
        "private_company": "empresa privada",
        "other": "otro",
        "urban_development": "proyecto de desarrollo urbano",
        "smart_solution": "proyecto de desarrollo de soluciones (soluciones inteligentes)",
        "administration": "administración",
        "transportation": "transporte",
        "public_health": "salud pública",
        "welfare": "bienestar social",
        "environment": "medio ambiente",
        "energy": "energía",
        "water_resources": "gestión de recursos hídricos",
        "security": "seguridad",
        "education": "educación",
        "culture": "cultura",
        "concept_plan": "plan conceptual",
        "master_plan": "plan maestro",
        "pre_feasibility_study": "estudio de prefactibilidad",
        "feasibility_study": "estudio de factibilidad",
        "new": "proyecto nuevo",
        "ongoing": "proyecto en curso",
    },
    # Decisiones de evaluación: lo que la convocatoria dice de la selección, y nada más.
    status_updates={
        "under_review": (
            f"Su solicitud al {PROGRAM} se encuentra ahora en evaluación. Para evaluar y seleccionar "
            "los proyectos, el MOLIT conforma un comité de evaluación público-privado. Le escribiremos "
            "de nuevo cuando se haya tomado una decisión."
        ),
        "selected": (
            f"Nos complace informarle de que su proyecto ha sido seleccionado en el marco del {PROGRAM}. "
            "Los proyectos seleccionados podrán recibir apoyo financiero y técnico para el desarrollo del "
            "proyecto, así como oportunidades de capacitación en Corea. El equipo de K-City Network se "
            "pondrá en contacto con usted para informarle de los próximos pasos."
        ),
        "not_selected": (
            f"Le agradecemos su solicitud al {PROGRAM}. Tras la evaluación, lamentamos informarle de "
            "que su proyecto no ha sido seleccionado."
        ),
        "withdrawn": (
            f"Su solicitud al {PROGRAM} ha sido retirada y no seguirá evaluándose. "
            "Si usted no lo ha pedido, le rogamos responder a este correo."
        ),
    },
    status_subject="Novedades sobre su solicitud a K-City Network",
)
