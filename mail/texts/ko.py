"""Korean texts: formal register (하십시오체) for foreign officials."""

from mail.texts import Texts

PROGRAM = "K-City Network 글로벌 협력 프로그램"

TEXTS = Texts(
    subjects={
        "acknowledgement": f"{PROGRAM} 신청 접수 확인",
        "missing_fields": "K-City Network 신청서 보완 요청",
        "ineligible": "K-City Network 신청 자격 검토 결과",
        "inquiry": f"{PROGRAM} 신청 안내",
    },
    greeting="담당자님께\n\n안녕하십니까.",
    greeting_named="{name} 님께\n\n안녕하십니까.",
    reference_line="접수 번호: {reference}",
    reply_hint="회신하실 때 메일 제목을 변경하지 말아 주십시오.",
    reply_hint_ref="회신하실 때 메일 제목의 접수 번호([{reference}])를 그대로 유지해 주십시오.",
    ack_intro=(
        f"대한민국 국토교통부(MOLIT)의 {PROGRAM}에 신청해 주셔서 감사합니다. "
        "보내 주신 신청서를 접수하여 등록하였습니다."
    ),
    ack_received="접수된 내용은 다음과 같습니다.",
    ack_next_heading="향후 절차",
    ack_next=(
        "국토교통부는 대상 사업을 심사하고 선정하기 위해 민관 합동 심사위원회를 구성합니다. "
        "선정된 사업은 각 국가의 수요와 사업 추진 현황에 따라 기본구상, 마스터플랜, "
        "예비타당성조사 또는 타당성조사를 위한 재정적·기술적 지원과 함께 "
        "방한 연수 기회를 받을 수 있습니다."
    ),
    ack_follow_up="내용을 추가하거나 수정하시려면 이 메일에 회신해 주십시오.",
    notes_heading="참고 사항:",
    missing_intro=(
        f"{PROGRAM}에 신청해 주셔서 감사합니다. "
        "신청을 완료하기 위해 다음 정보가 필요합니다."
    ),
    missing_required="필수 항목입니다.",
    invalid="입력하신 값이 올바르지 않습니다(영문 안내: {message}).",
    example="예시: {example}",
    fill_in="아래 항목을 작성하여 이 메일에 회신해 주십시오.",
    ineligible_intro=(
        f"{PROGRAM}에 관심을 가져 주셔서 감사합니다. 보내 주신 신청서를 공모 안내문에 따라 "
        "검토한 결과, 아쉽게도 신청을 접수할 수 없음을 알려 드립니다."
    ),
    reason="사유(영문): {message}",
    note="(영문) {message}",
    ineligible_generic="제출하신 신청서가 공모 안내문에 명시된 조건을 충족하지 않습니다.",
    ineligible_follow_up="신청서의 내용이 잘못 파악되었다고 판단되시면 이 메일에 회신해 주십시오.",
    citation="공모 안내문 원문(영문): {quote}",
    quote="“{}”",
    inquiry_intro=f"대한민국 국토교통부(MOLIT)의 {PROGRAM}에 관심을 가져 주셔서 감사합니다.",
    howto_heading="신청 방법",
    howto_who=(
        "신청 자격: 중앙정부와 지방정부, 공공부문 기관 및 기업이 신청할 수 있으며, "
        "민간부문 단독 참여는 허용되지 않습니다."
    ),
    howto_projects=(
        "대상 사업: 도시개발형 사업과, 행정·교통·보건·복지·환경·에너지·수자원 관리·안전·교육·문화 "
        "분야의 도시 서비스를 개선하는 스마트 솔루션을 도입하는 스마트솔루션형 사업입니다. "
        "현재 추진 중인 사업도 지원을 받을 수 있습니다."
    ),
    howto_support=(
        "지원 내용: 기본구상, 마스터플랜, 예비타당성조사 또는 타당성조사를 위한 "
        "재정적·기술적 지원과, 사업 담당 공무원을 위한 방한 연수가 제공됩니다. "
        "한국 정부는 사업당 최대 10억 원(미화 85만 달러)을 배정할 계획입니다."
    ),
    howto_send=(
        "제출 방법: 신청서와 대상 사업 개요를 이메일로 보내 주십시오. "
        "아래 양식을 작성하여 이 메일에 회신하셔도 됩니다."
    ),
    form_heading="신청서 양식",
    form_required="필수 항목: {labels}. 스마트솔루션형 사업은 {sectors} 항목도 필수입니다.",
    info_sites=(
        "프로그램 신청에 관한 정보는 국토교통부(www.molit.go.kr), 스마트시티 코리아"
        "(www.smartcity.go.kr), 한국해외인프라도시개발지원공사(KIND, www.kindkorea.or.kr) "
        "공식 웹사이트에서 확인하실 수 있습니다."
    ),
    bot_link="텔레그램에서 신청 현황 확인하기: {link}",
    unread_attachments=(
        "첨부하신 {files} 파일을 읽을 수 없었습니다. 저희는 Word(.doc, .docx), Excel(.xls, .xlsx), OpenDocument(.odt, .ods), RTF, "
        "한글(.hwp, .hwpx), 텍스트가 있는 PDF(스캔본 제외), 웹 페이지(.html), 일반 텍스트 파일을 읽을 수 있습니다. "
        "신청서를 이 형식 중 하나로 보내 주시거나, 답변을 이메일 본문에 적어 주십시오."
    ),
    unnamed_attachment="이름 없는 {number}번째",
    approx="{amount} (약 {converted})",
    yes="예",
    no="아니요",
    list_separator=", ",
    footer="본 메일은 K-City Network 신청 접수 창구에서 자동으로 발송되었습니다.",
    choices={
        "central_government": "중앙정부",
        "local_government": "지방정부",
        "public_institution": "공공기관",
        "public_enterprise": "공기업",
        "international_organization": "국제기구",
        "private_company": "민간기업",
        "other": "기타",
        "urban_development": "도시개발형 사업",
        "smart_solution": "스마트솔루션형 사업",
        "administration": "행정",
        "transportation": "교통",
        "public_health": "보건",
        "welfare": "복지",
        "environment": "환경",
        "energy": "에너지",
        "water_resources": "수자원 관리",
        "security": "안전",
        "education": "교육",
        "culture": "문화",
        "concept_plan": "기본구상",
        "master_plan": "마스터플랜",
        "pre_feasibility_study": "예비타당성조사",
        "feasibility_study": "타당성조사",
        "new": "신규 사업",
        "ongoing": "추진 중인 사업",
    },
    # 심사 결과: 공모 안내가 말하는 선정의 의미까지만 (금액, 일정 없음).
    status_updates={
        "under_review": (
            f"{PROGRAM}에 제출하신 신청서가 현재 심사 중입니다. 국토교통부는 대상 사업을 심사하고 "
            "선정하기 위해 민관 합동 심사위원회를 구성합니다. 결과가 정해지면 다시 알려 드리겠습니다."
        ),
        "selected": (
            f"귀하의 사업이 {PROGRAM}의 대상 사업으로 선정되었음을 알려 드리게 되어 기쁩니다. "
            "선정된 사업은 사업 개발을 위한 재정적·기술적 지원과 방한 연수 기회를 받을 수 있습니다. "
            "향후 절차에 관해서는 K-City Network 담당자가 연락드리겠습니다."
        ),
        "not_selected": (
            f"{PROGRAM}에 신청해 주셔서 감사합니다. 심사 결과, 아쉽게도 귀하의 사업이 "
            "선정되지 않았음을 알려 드립니다."
        ),
        "withdrawn": (
            f"{PROGRAM}에 제출하신 신청서가 철회 처리되어 더 이상 심사가 진행되지 않습니다. "
            "철회를 요청하신 적이 없으시면 이 메일에 회신해 주십시오."
        ),
    },
    status_subject="K-City Network 신청 진행 상황 안내",
)
