"""The application form: every field's code, labels, example and choices.

Field codes (``applicant.country``...) are part of the product's interface:
emails, the JSON Schema, the store and ``kcity check --json`` all use them.
Labels are what an applicant writes before the colon, in each language we read.
The first label of each language is the one we print in replies and forms.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "ko", "es", "fr")
DEFAULT_LANGUAGE = "en"

ORGANIZATION_TYPES = (
    "central_government",
    "local_government",
    "public_institution",
    "public_enterprise",
    "international_organization",
    "private_company",
    "other",
)
CATEGORIES = ("urban_development", "smart_solution")
SECTORS = (
    "administration",
    "transportation",
    "public_health",
    "welfare",
    "environment",
    "energy",
    "water_resources",
    "security",
    "education",
    "culture",
)
SUPPORT_TYPES = ("concept_plan", "master_plan", "pre_feasibility_study", "feasibility_study")
PROJECT_STATUSES = ("new", "ongoing")


@dataclass(frozen=True)
class Field:
    code: str
    required: bool
    # kind tells the extractor how to normalise a value:
    # text, country, choice, choices, yes_no, amount, email, phone
    kind: str
    labels: dict[str, tuple[str, ...]]
    example: str
    choices: tuple[str, ...] = ()
    # Required only when another field has a given value (sectors for smart_solution).
    required_when: tuple[str, str] | None = None
    multiline: bool = False

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return (self.labels.get(lang) or self.labels[DEFAULT_LANGUAGE])[0]

    @property
    def path(self) -> tuple[str, str]:
        section, name = self.code.split(".", 1)
        return section, name


def _f(code, required, kind, example, en, ko, es, fr, **kw) -> Field:
    return Field(
        code=code,
        required=required,
        kind=kind,
        example=example,
        labels={"en": tuple(en), "ko": tuple(ko), "es": tuple(es), "fr": tuple(fr)},
        **kw,
    )


FIELDS: tuple[Field, ...] = (
    _f("applicant.country", True, "country", "Peru",
       ["Country", "Applicant country", "Nation"],
       ["국가", "국가명", "신청 국가"],
       ["País", "Pais"],
       ["Pays"]),
    _f("applicant.organization", True, "text", "Municipality of Cusco",
       ["Organization", "Organisation", "Applicant organization", "Applicant", "Institution", "Agency"],
       ["기관", "기관명", "신청 기관", "신청기관"],
       ["Organización", "Organizacion", "Institución", "Entidad"],
       ["Organisation", "Organisme", "Institution"]),
    _f("applicant.organization_type", True, "choice", "local_government",
       ["Organization type", "Organisation type", "Type of organization", "Type of organisation", "Applicant type"],
       ["기관 유형", "기관유형", "기관 구분"],
       ["Tipo de organización", "Tipo de organizacion", "Tipo de entidad"],
       ["Type d'organisation", "Type d’organisation", "Type d'organisme"],
       choices=ORGANIZATION_TYPES),
    _f("applicant.department", False, "text", "Urban Planning Department",
       ["Department", "Division", "Unit"],
       ["부서", "담당 부서", "부서명"],
       ["Departamento", "Dependencia"],
       ["Département", "Service", "Direction"]),
    _f("contact.name", True, "text", "Ana Quispe",
       ["Contact person", "Contact name", "Contact", "Name", "Focal point"],
       ["담당자", "담당자 성명", "성명", "이름"],
       ["Persona de contacto", "Contacto", "Nombre"],
       ["Personne de contact", "Contact", "Nom"]),
    _f("contact.position", False, "text", "Director of Urban Planning",
       ["Position", "Title of contact", "Job title", "Role"],
       ["직위", "직책"],
       ["Cargo", "Puesto"],
       ["Fonction", "Poste"]),
    _f("contact.email", True, "email", "ana.quispe@municipalidad.gob.pe",
       ["Email", "E-mail", "Email address", "Contact email", "E-mail address"],
       ["이메일", "전자우편", "이메일 주소", "담당자 이메일"],
       ["Correo electrónico", "Correo electronico", "Correo", "Email"],
       ["Courriel", "Adresse électronique", "E-mail", "Email", "Adresse e-mail", "Adresse courriel"]),
    _f("contact.phone", False, "phone", "+51 84 123 456",
       ["Phone", "Telephone", "Phone number", "Tel", "Mobile", "Mobile phone", "Cell phone"],
       ["전화", "전화번호", "연락처", "담당자 연락처", "휴대전화", "휴대폰"],
       ["Teléfono", "Telefono", "Celular", "Teléfono móvil"],
       ["Téléphone", "Telephone", "Tél", "Portable", "Téléphone portable"]),
    _f("project.title", True, "text", "Cusco Smart Mobility Plan",
       ["Project title", "Project name", "Title"],
       ["사업명", "프로젝트명", "과제명"],
       ["Título del proyecto", "Titulo del proyecto", "Nombre del proyecto"],
       ["Titre du projet", "Nom du projet", "Intitulé du projet"]),
    _f("project.category", True, "choice", "smart_solution",
       ["Project category", "Category", "Project type"],
       ["사업 분야", "사업분야", "사업 유형", "사업유형"],
       ["Categoría del proyecto", "Categoria del proyecto", "Categoría", "Categoria"],
       ["Catégorie du projet", "Categorie du projet", "Catégorie"],
       choices=CATEGORIES),
    _f("project.sectors", False, "choices", "transportation, environment",
       ["Sectors", "Sector", "Solution sectors", "Areas"],
       ["분야", "솔루션 분야", "세부 분야"],
       ["Sectores", "Sector"],
       ["Secteurs", "Secteur"],
       choices=SECTORS, required_when=("project.category", "smart_solution")),
    _f("project.location", True, "text", "Cusco, Cusco Region",
       ["Project location", "Location", "Project site", "Site"],
       ["사업 위치", "사업위치", "위치", "대상지"],
       ["Ubicación del proyecto", "Ubicacion del proyecto", "Ubicación", "Ubicacion"],
       ["Localisation du projet", "Lieu du projet", "Localisation", "Lieu"]),
    _f("project.summary", True, "text",
       "An integrated traffic management centre and smart bus stops for the historic centre.",
       ["Project summary", "Summary", "Project description", "Description"],
       ["사업 개요", "사업개요", "개요", "사업 설명"],
       ["Resumen del proyecto", "Resumen", "Descripción del proyecto"],
       ["Résumé du projet", "Resume du projet", "Résumé", "Description du projet"],
       multiline=True),
    _f("project.status", True, "choice", "new",
       ["Project status", "Status", "Stage"],
       ["사업 상태", "사업 단계", "진행 상황", "추진 현황"],
       ["Estado del proyecto", "Estado"],
       ["Statut du projet", "État du projet", "Statut"],
       choices=PROJECT_STATUSES),
    _f("project.expected_outcomes", False, "text", "Travel times in the historic centre cut by 20%.",
       ["Expected outcomes", "Outcomes", "Expected results"],
       ["기대 효과", "기대효과", "기대 성과"],
       ["Resultados esperados", "Resultados"],
       ["Résultats attendus", "Resultats attendus"],
       multiline=True),
    _f("support.requested", True, "choices", "master_plan",
       ["Support requested", "Requested support", "Type of support", "Support type", "Support"],
       ["지원 요청 사항", "요청 지원", "지원 유형", "지원 내용"],
       ["Apoyo solicitado", "Tipo de apoyo", "Apoyo"],
       ["Soutien demandé", "Soutien demande", "Type de soutien", "Appui demandé"],
       choices=SUPPORT_TYPES),
    _f("support.training", False, "yes_no", "yes",
       ["Training in Korea", "Training"],
       ["방한 연수", "연수", "초청 연수"],
       ["Capacitación en Corea", "Capacitacion en Corea", "Capacitación", "Formación"],
       ["Formation en Corée", "Formation en Coree", "Formation"]),
    _f("support.consulting", False, "yes_no", "yes",
       ["Technical consulting", "Consulting", "Technical consultancy"],
       ["기술 자문", "기술자문", "컨설팅"],
       ["Consultoría técnica", "Consultoria tecnica", "Asesoría técnica"],
       ["Conseil technique", "Consultation technique", "Conseil"]),
    _f("budget.requested_amount", False, "amount", "KRW 800,000,000",
       ["Requested amount", "Amount requested", "Budget requested", "Requested budget"],
       ["요청 금액", "요청금액", "지원 요청 금액"],
       ["Monto solicitado", "Importe solicitado"],
       ["Montant demandé", "Montant demande"]),
    _f("budget.total_cost", False, "amount", "USD 12,000,000",
       ["Total project cost", "Total cost", "Project cost", "Total budget"],
       ["총 사업비", "총사업비", "사업비"],
       ["Costo total del proyecto", "Costo total", "Coste total"],
       ["Coût total du projet", "Cout total du projet", "Coût total"]),
    _f("financing.ppp_potential", False, "yes_no", "yes",
       ["PPP potential", "PPP", "Public-private partnership potential"],
       ["민관협력 가능성", "PPP 가능성", "민관합작"],
       ["Potencial APP", "Potencial de APP", "Potencial PPP", "APP"],
       ["Potentiel PPP", "Potentiel de PPP", "PPP"]),
    _f("financing.partners", False, "text", "Inter-American Development Bank",
       ["Financing partners", "Partners", "Co-financing partners"],
       ["재원 협력 기관", "협력 기관", "재원 조달 파트너"],
       ["Socios financieros", "Socios de financiamiento"],
       ["Partenaires financiers", "Partenaires de financement"]),
)

FIELDS_BY_CODE: dict[str, Field] = {f.code: f for f in FIELDS}
REQUIRED_CODES: tuple[str, ...] = tuple(f.code for f in FIELDS if f.required)


def field(code: str) -> Field:
    return FIELDS_BY_CODE[code]


def get(fields: dict, code: str):
    """The value of ``code`` in a nested fields dict, or None."""
    section, name = code.split(".", 1)
    return (fields.get(section) or {}).get(name)


def put(fields: dict, code: str, value) -> None:
    section, name = code.split(".", 1)
    fields.setdefault(section, {})[name] = value


def flatten(fields: dict) -> dict[str, object]:
    """{"applicant": {"country": "PE"}} -> {"applicant.country": "PE"}, in form order."""
    return {f.code: get(fields, f.code) for f in FIELDS if get(fields, f.code) not in (None, "", [])}


def merge(old: dict, new: dict) -> dict:
    """A follow-up's fields over an application's: new non-empty values win."""
    merged = {section: dict(values) for section, values in old.items()}
    for code, value in flatten(new).items():
        put(merged, code, value)
    return merged


def blank_form(lang: str = DEFAULT_LANGUAGE, codes: tuple[str, ...] | None = None) -> str:
    """The form as lines to fill in: ``Label: `` one per field (all, or just ``codes``)."""
    wanted = codes or tuple(f.code for f in FIELDS)
    return "\n".join(f"{field(c).label(lang)}: " for c in wanted)
