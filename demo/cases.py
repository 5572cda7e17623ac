"""The sample cases' own stories (issue 16a): each case of the demo has a coherent description,
its regulation (the provision, why it blocks, the exemption requested), its test plan and KPIs,
and a title without a status tag. ``seed._draft`` fills a draft from the story of its title."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Regulation:
    statute: str
    article: str
    ministry: str  # ministry code
    requirement: str
    reason: str
    exemption: str
    ground: str = "unsuitable"


@dataclass(frozen=True)
class Story:
    summary: str
    service: str
    technology: str
    problem: str
    offers: str
    regulation: Regulation
    region: str = ""
    scale: str = ""
    max_users: int | None = None
    safety: str = ""
    protection: str = ""
    insurance: str = "대인 1인당 1억원, 사고당 3억원 영업배상책임보험"
    kpis: tuple[tuple[str, str, str, str, str], ...] = field(default_factory=tuple)


def _road(requirement: str, reason: str, exemption: str) -> Regulation:
    return Regulation("도로교통법", "제13조의2", "MOLIT", requirement, reason, exemption)


STORIES: dict[str, Story] = {
    "무인 드론 배송 실증": Story(
        summary="섬 지역 보건지소에 의약품과 생필품을 드론으로 배송합니다.",
        service="여객선이 하루 한 번뿐인 섬 주민에게 처방 의약품을 30분 안에 배송합니다.",
        technology="자동 비행 경로, 낙하산 비상 착륙, 관제센터 원격 감시.",
        problem="섬 주민은 약 하나를 받으려고 하루를 기다리거나 배를 타야 합니다.",
        offers="정기 여객선 택배: 하루 1회, 기상 악화 시 결항.",
        regulation=Regulation(
            "항공안전법",
            "제129조 제5항",
            "MOLIT",
            "가시권 밖 비행은 국토교통부장관의 특별비행승인을 받아야 합니다.",
            "노선마다 개별 승인이 필요해 정기 배송 노선을 운영할 수 없습니다.",
            "지정한 3개 노선에서 가시권 밖 정기 비행 허용",
        ),
        region="전라남도 신안군 3개 섬",
        scale="드론 4대, 노선 3개",
        max_users=800,
        safety="노선별 비행 금지 구역 설정, 풍속 10m/s 이상 운항 중단, 낙하산 장착.",
        protection="수령 시 본인 확인, 배송 지연 시 문자 안내.",
        kpis=(
            ("배송 완료율", "%", "관제 시스템 기록", "월별", "98% 이상"),
            ("비상 착륙 건수", "건", "비행 기록", "월별", "0건"),
        ),
    ),
    "공유 전동킥보드 헬멧 자동 대여": Story(
        summary="전동킥보드를 빌릴 때 살균된 헬멧을 함께 자동으로 빌려줍니다.",
        service="킥보드 거치대의 헬멧 보관함이 대여와 동시에 열리고 반납 시 살균합니다.",
        technology="자외선 살균 보관함, 헬멧 착용 감지 센서.",
        problem="헬멧 착용 의무가 있지만 이용자가 헬멧을 가지고 다니지 않습니다.",
        offers="킥보드에 헬멧을 매달아 두는 방식: 분실과 위생 문제.",
        regulation=Regulation(
            "공중위생관리법",
            "제3조",
            "MOHW",
            "공중이 함께 쓰는 물품을 대여하는 영업은 신고 기준을 따라야 합니다.",
            "무인 헬멧 대여에 맞는 위생 기준이 없어 신고할 수 없습니다.",
            "자외선 살균 기준을 조건으로 무인 헬멧 대여 허용",
            "no_standard",
        ),
        region="서울특별시 마포구",
        scale="거치대 50곳, 헬멧 500개",
        max_users=20000,
        safety="대여마다 살균 확인, 파손 감지 시 대여 중지.",
        protection="앱에 살균 기록과 분실 시 책임을 고지합니다.",
        kpis=(("헬멧 착용률", "%", "착용 감지 센서", "주별", "80% 이상"),),
    ),
    "비대면 안경 처방 서비스": Story(
        summary="안경사가 화상으로 시력을 측정하고 안경을 택배로 보냅니다.",
        service="거동이 불편한 노인이 집에서 시력 측정을 받고 안경을 받아봅니다.",
        technology="원격 시력 측정 키트, 화상 상담, 처방 기록 관리.",
        problem="농어촌 노인은 안경원까지 먼 길을 가야 합니다.",
        offers="안경원 방문: 대중교통이 불편한 지역에서는 반나절이 걸립니다.",
        regulation=Regulation(
            "의료기사 등에 관한 법률",
            "제12조 제5항",
            "MOHW",
            "안경사는 안경업소 밖에서 안경을 판매할 수 없습니다.",
            "비대면 측정 후 택배 판매는 업소 밖 판매에 해당합니다.",
            "화상 측정을 거친 돋보기·단초점 안경의 택배 판매 허용",
        ),
        region="강원특별자치도 6개 군",
        scale="안경사 10명",
        max_users=3000,
        safety="도수 한계 설정, 이상 소견 시 대면 진료 안내.",
        protection="측정 결과와 반품 방법을 서면으로 안내합니다.",
        kpis=(("재측정 요청 비율", "%", "상담 기록", "월별", "5% 이하"),),
    ),
    "자율주행 배송 로봇 보도 통행": Story(
        summary="자율주행 로봇이 보도로 아파트 단지 안 택배를 집 앞까지 배송합니다.",
        service="단지 입구 택배 보관소에서 각 동 현관까지 로봇이 택배를 나릅니다.",
        technology="라이다·카메라 융합 인지, 원격 관제, 시속 5km 속도 제한.",
        problem="택배 기사가 단지 안을 걸어서 배송해 배송이 늦고 기사 부담이 큽니다.",
        offers="단지 입구 무인 택배함: 주민이 직접 찾으러 가야 합니다.",
        regulation=_road(
            "차마는 보도를 통행할 수 없습니다.",
            "배송 로봇이 '차'에 해당하여 보도 통행이 금지됩니다.",
            "시속 5km 이하 배송 로봇의 단지 안 보도 통행 허용",
        ),
        region="서울특별시 강남구 3개 아파트 단지",
        scale="로봇 20대",
        max_users=5000,
        safety="원격 관제 요원 1인당 로봇 5대, 비상 정지 버튼, 보행자 감지 시 정지.",
        protection="단지 입구와 앱에 실증특례 사실, 기간, 연락처를 고지합니다.",
        kpis=(
            ("운행 거리", "km", "주행 기록계", "매일", "월 3,000km"),
            ("보행자 근접 정지", "회", "관제 로그", "매일", "1,000km당 1회 이하"),
        ),
    ),
    "반려동물 원격 건강 상담": Story(
        summary="수의사가 화상으로 반려동물의 건강 상담을 합니다.",
        service="보호자가 앱으로 증상 사진과 영상을 보내고 수의사와 화상 상담합니다.",
        technology="영상 상담, 증상 기록, 동물병원 예약 연계.",
        problem="야간과 휴일에 가까운 동물병원이 없어 보호자가 판단하기 어렵습니다.",
        offers="전화 문의: 동물병원마다 응대가 다르고 기록이 남지 않습니다.",
        regulation=Regulation(
            "수의사법",
            "제17조",
            "MOHW",
            "동물 진료는 신고한 동물병원에서 해야 합니다.",
            "원격 상담이 진료에 해당하는지 분명하지 않습니다.",
            "진단·처방이 없는 건강 상담의 허용 여부 확인",
            "unclear",
        ),
        safety="응급 증상이면 상담을 멈추고 가까운 24시 동물병원을 안내합니다.",
        protection="상담 전에 진단·처방이 아님을 알리고 상담 기록을 보호자에게 줍니다.",
    ),
    "스마트 주차 공유 플랫폼": Story(
        summary="비어 있는 건물 부설주차장을 시간 단위로 이웃에게 빌려줍니다.",
        service="상가 건물의 야간 빈 주차면을 주민이 앱으로 예약해 씁니다.",
        technology="번호판 인식 출입, 예약·정산 앱.",
        problem="주거 밀집 지역은 밤마다 주차면이 모자라 불법 주차가 늘어납니다.",
        offers="거주자 우선 주차: 대기 기간이 1년이 넘습니다.",
        regulation=Regulation(
            "주차장법",
            "제19조의4",
            "MOLIT",
            "부설주차장은 주차장 외의 용도로 쓸 수 없습니다.",
            "외부인에게 유료로 빌려주는 것이 용도 외 사용인지 분명하지 않습니다.",
            "부설주차장 빈 시간대 유료 공유의 허용 여부 확인",
            "unclear",
        ),
        safety="건물 이용자 주차를 우선하고, 예약 시간을 넘기면 견인 대신 연락합니다.",
        protection="요금, 이용 시간, 사고 시 책임을 예약 화면에 안내합니다.",
    ),
    "도심 항공 모빌리티 시범 운항": Story(
        summary="도심 버티포트 두 곳 사이에서 전기 수직이착륙기를 시범 운항합니다.",
        service="김포공항과 여의도 사이 15km를 승객 4명이 20분 안에 이동합니다.",
        technology="전기 수직이착륙기, 버티포트 관제, 비행 경로 관리.",
        problem="공항과 도심 사이 도로 정체로 이동 시간을 예측할 수 없습니다.",
        offers="공항 리무진 버스와 택시: 출퇴근 시간 1시간 이상.",
        regulation=Regulation(
            "항공사업법",
            "제7조",
            "MOLIT",
            "항공운송사업을 하려면 면허를 받아야 합니다.",
            "수직이착륙기에 맞는 면허 기준이 없습니다.",
            "지정 노선의 시범 운항에 한한 운송 허용",
            "no_standard",
        ),
        region="김포공항–여의도 노선",
        scale="기체 2대, 하루 10회",
        max_users=2000,
        safety="기상 기준 미달 시 운항 취소, 조종사 탑승, 비상 착륙장 지정.",
        protection="탑승 전 시범 운항 사실과 보상 기준을 고지합니다.",
        kpis=(
            ("정시 운항률", "%", "운항 기록", "월별", "95% 이상"),
            ("소음", "dB", "버티포트 측정기", "주별", "65dB 이하"),
        ),
    ),
    "자율주행 셔틀 야간 운행": Story(
        summary="산업단지 통근 노선에서 자율주행 셔틀을 야간에 운행합니다.",
        service="교대 근무자가 자정 이후 역과 공장 사이를 셔틀로 이동합니다.",
        technology="레벨 4 자율주행, 관제센터 원격 감시, 야간 적외선 인지.",
        problem="자정 이후 대중교통이 끊겨 교대 근무자가 택시비를 부담합니다.",
        offers="회사 통근버스: 주간에만 운행.",
        regulation=Regulation(
            "자동차관리법",
            "제27조",
            "MOLIT",
            "자율주행자동차 임시운행은 허가받은 구역과 시간에만 할 수 있습니다.",
            "야간 운행이 허가 조건에서 빠져 있습니다.",
            "산업단지 통근 노선의 야간 자율주행 허용",
        ),
        region="경기도 화성시 산업단지 노선 12km",
        scale="셔틀 3대",
        max_users=1500,
        safety="안전요원 탑승, 시속 40km 제한, 관제센터 상시 감시.",
        protection="정류장과 차내에 실증 사실과 연락처를 안내합니다.",
        kpis=(("원격 개입 횟수", "회", "관제 기록", "주별", "100km당 1회 이하"),),
    ),
    "개인 간 전기 거래 플랫폼": Story(
        summary="지붕 태양광으로 만든 남는 전기를 이웃에게 직접 팝니다.",
        service="아파트 단지 안 태양광 세대가 잉여 전력을 이웃 세대에 판매합니다.",
        technology="스마트 계량기, 블록체인 정산.",
        problem="남는 전기를 한전에 싸게 팔고 이웃은 비싼 전기를 삽니다.",
        offers="상계 거래: 가격 결정권이 없습니다.",
        regulation=Regulation(
            "전기사업법",
            "제31조",
            "MOTIE",
            "전기는 전력시장을 통해서만 거래할 수 있습니다.",
            "개인 간 직접 거래는 전력시장 밖 거래입니다.",
            "단지 안 개인 간 잉여 전력 거래 허용",
            "prohibited",
        ),
        region="세종특별자치시 2개 단지",
        scale="태양광 세대 40곳",
        max_users=600,
        safety="계량기 이중 검증, 계통 이상 시 거래 중지.",
        protection="요금 비교표와 해지 방법을 안내합니다.",
        kpis=(("거래 전력량", "kWh", "스마트 계량기", "월별", "월 5,000kWh"),),
    ),
    "무인 로봇 택배 보관함": Story(
        summary="택배 보관함이 로봇 팔로 택배를 정리하고 주민에게 꺼내 줍니다.",
        service="주민이 QR 코드를 대면 보관함 로봇이 택배를 꺼내 줍니다.",
        technology="로봇 팔, 적재 공간 최적화, QR 인증.",
        problem="단지 택배함이 모자라 택배가 현관에 쌓입니다.",
        offers="칸막이 택배함: 큰 상자는 들어가지 않습니다.",
        regulation=Regulation(
            "건축법",
            "제19조",
            "MOLIT",
            "공동주택 공용 공간의 용도를 바꾸려면 허가를 받아야 합니다.",
            "로봇 보관함을 설치할 용도 기준이 없습니다.",
            "단지 공용 공간에 로봇 보관함 설치 허용",
            "no_standard",
        ),
        region="인천광역시 연수구 2개 단지",
        scale="보관함 4대",
        max_users=3000,
        safety="로봇 팔 작동 구역 차단막, 사람 감지 시 정지.",
        protection="보관함에 실증 사실과 고장 시 연락처를 붙입니다.",
        kpis=(("보관 실패 건수", "건", "보관함 로그", "주별", "주 5건 이하"),),
    ),
    "원격 의료기기 모니터링": Story(
        summary="심장질환자의 웨어러블 심전도를 병원이 원격으로 감시합니다.",
        service="퇴원 환자가 집에서 심전도 패치를 붙이면 병원이 이상 신호를 알립니다.",
        technology="심전도 패치, 이상 신호 분석, 병원 알림.",
        problem="퇴원 뒤 부정맥을 늦게 발견해 다시 입원합니다.",
        offers="정기 외래: 한 달에 한 번.",
        regulation=Regulation(
            "의료법",
            "제34조",
            "MOHW",
            "원격의료는 의료인 사이에서만 할 수 있습니다.",
            "의사가 환자를 원격으로 감시하는 것은 허용되지 않습니다.",
            "퇴원 환자 심전도 원격 감시 허용",
            "prohibited",
        ),
        region="서울특별시 3개 상급종합병원",
        scale="환자 300명",
        max_users=300,
        safety="이상 신호 시 의사 전화 확인, 응급 시 119 연계.",
        protection="동의서, 자료 보관 기간, 중단 방법을 안내합니다.",
        kpis=(("이상 신호 알림 후 확인 시간", "분", "병원 시스템", "월별", "평균 10분 이내"),),
    ),
    "자율주행 셔틀 심야 노선 확대": Story(
        summary="관광지 순환 노선에서 자율주행 셔틀을 심야까지 운행합니다.",
        service="관광객이 숙소와 야시장 사이를 자정까지 셔틀로 이동합니다.",
        technology="레벨 4 자율주행, 원격 관제.",
        problem="야시장이 끝나는 시간에 버스가 끊깁니다.",
        offers="택시: 관광 성수기에는 잡기 어렵습니다.",
        regulation=Regulation(
            "여객자동차 운수사업법",
            "제4조",
            "MOLIT",
            "노선 여객운송사업은 면허를 받아야 합니다.",
            "자율주행 셔틀에 맞는 면허 기준이 없습니다.",
            "관광 순환 노선의 자율주행 셔틀 유상 운송 허용",
            "no_standard",
        ),
        region="제주특별자치도 서귀포시 순환 노선 8km",
        scale="셔틀 2대",
        max_users=10000,
        safety="안전요원 탑승, 시속 30km 제한.",
        protection="정류장과 차내에 실증 사실을 안내합니다.",
        kpis=(("승객 수", "명", "승차 기록", "월별", "월 3,000명"),),
    ),
    "전동 휠체어 보도 주행 보조": Story(
        summary="전동 휠체어에 장애물 회피 보조 장치를 달아 보도 주행을 돕습니다.",
        service="시각장애를 함께 가진 휠체어 이용자가 보도를 안전하게 다닙니다.",
        technology="초음파·카메라 장애물 감지, 자동 감속.",
        problem="보도의 턱과 장애물에 걸려 넘어지는 사고가 잦습니다.",
        offers="보호자 동행: 혼자 외출할 수 없습니다.",
        regulation=Regulation(
            "의료기기법",
            "제6조",
            "MOHW",
            "의료기기를 제조하려면 품목허가를 받아야 합니다.",
            "자율 감속 장치를 단 휠체어의 허가 기준이 없습니다.",
            "보조 장치 장착 휠체어의 실증 사용 허용",
            "no_standard",
        ),
        region="대전광역시 유성구",
        scale="휠체어 30대",
        max_users=30,
        safety="최고 속도 시속 6km, 수동 조작 우선.",
        protection="이용자 교육과 사고 시 연락 체계를 안내합니다.",
        kpis=(("충돌 회피 작동 횟수", "회", "장치 로그", "월별", "기록만"),),
    ),
    "수소 드론 산림 감시": Story(
        summary="수소 연료전지 드론이 산불 감시 비행을 합니다.",
        service="산림청 감시 구역을 2시간 동안 비행하며 열화상으로 발화점을 찾습니다.",
        technology="수소 연료전지, 열화상 카메라, 자동 경로 비행.",
        problem="배터리 드론은 30분밖에 날지 못해 넓은 산림을 감시할 수 없습니다.",
        offers="감시탑과 헬기: 사각지대가 있고 비용이 큽니다.",
        regulation=Regulation(
            "항공안전법 시행규칙",
            "별표 23",
            "MOLIT",
            "무인비행장치의 연료 기준은 배터리와 휘발유만 정하고 있습니다.",
            "수소 연료 드론은 안전성 인증을 받을 기준이 없습니다.",
            "수소 연료 드론의 감시 비행 허용",
            "no_standard",
        ),
        region="강원특별자치도 인제군 산림",
        scale="드론 3대",
        max_users=None,
        safety="수소 용기 이중 잠금, 이상 압력 시 자동 귀환.",
        protection="감시 구역 주민에게 비행 일정을 알립니다.",
        kpis=(("발화점 탐지 시간", "분", "비행 기록", "월별", "발화 후 15분 이내"),),
    ),
    "캠핑장 돔 텐트 실증": Story(
        summary="캠핑장에 상설 돔 텐트를 설치해 숙박 시설로 운영합니다.",
        service="사계절 쓸 수 있는 단열 돔 텐트를 캠핑장에 고정 설치합니다.",
        technology="단열 막 구조, 화재 감지기.",
        problem="캠핑장 텐트는 가설 건축물이어서 겨울 영업이 어렵습니다.",
        offers="일반 텐트: 단열과 화재 안전이 부족합니다.",
        regulation=Regulation(
            "관광진흥법",
            "제20조",
            "MOLIT",
            "야영장의 숙박 시설은 정해진 시설 기준을 따라야 합니다.",
            "상설 돔 텐트에 맞는 시설 기준이 없습니다.",
            "상설 돔 텐트의 숙박 영업 허용",
            "no_standard",
        ),
        region="경기도 가평군 캠핑장 1곳",
        scale="돔 텐트 10동",
        max_users=4000,
        safety="동마다 화재 감지기와 소화기, 강풍 시 영업 중지.",
        protection="예약 시 실증 사실과 환불 기준을 안내합니다.",
        kpis=(("화재 경보 건수", "건", "감지기 기록", "월별", "0건"),),
    ),
    "무인 세탁 배달 로봇": Story(
        summary="로봇이 오피스텔 세대에서 세탁물을 수거하고 배달합니다.",
        service="엘리베이터와 연동된 로봇이 세대 문 앞에서 세탁물을 주고받습니다.",
        technology="엘리베이터 연동, 실내 자율주행.",
        problem="맞벌이 세대는 세탁소 영업시간에 맞추기 어렵습니다.",
        offers="세탁 수거함: 분실과 파손 분쟁이 잦습니다.",
        regulation=_road(
            "건물 안 공용 통로를 다니는 로봇의 기준이 없습니다.",
            "관리 규약상 로봇이 공용 통로를 다닐 근거가 없습니다.",
            "오피스텔 공용 통로의 세탁 배달 로봇 운행 허용",
        ),
        region="서울특별시 영등포구 오피스텔 2곳",
        scale="로봇 6대",
        max_users=900,
        safety="야간 운행 금지, 사람 감지 시 정지.",
        protection="세대별 수거 시간과 분실 보상 기준을 안내합니다.",
        kpis=(("배달 지연 건수", "건", "로봇 로그", "주별", "주 3건 이하"),),
    ),
    "드론 야간 비행 교육": Story(
        summary="드론 조종 교육생에게 야간 비행 실습을 합니다.",
        service="교육원 전용 비행장에서 야간 비행 실습 과정을 운영합니다.",
        technology="조명 장착 교육용 드론, 비행 기록 장치.",
        problem="야간 비행 수요가 늘지만 실습 기회가 없습니다.",
        offers="주간 실습만 가능한 기존 교육 과정.",
        regulation=Regulation(
            "항공안전법",
            "제129조",
            "MOLIT",
            "야간 비행은 특별비행승인을 받아야 합니다.",
            "교육 회차마다 승인을 받아야 해 정기 과정을 만들 수 없습니다.",
            "전용 비행장 안 야간 교육 비행의 일괄 승인",
        ),
        region="충청북도 청주시 교육 비행장",
        scale="드론 10대",
        max_users=200,
        safety="비행장 외곽 조명, 교관 1인당 교육생 2명.",
        protection="교육생에게 실습 위험과 보험을 안내합니다.",
        kpis=(("야간 비행 사고", "건", "비행 기록", "월별", "0건"),),
    ),
    "전동 스쿠터 공유": Story(
        summary="대학 캠퍼스 안에서 좌석형 전동 스쿠터를 공유합니다.",
        service="학생이 강의동 사이를 좌석형 스쿠터로 이동합니다.",
        technology="속도 제한 펌웨어, 캠퍼스 지오펜싱.",
        problem="넓은 캠퍼스에서 강의 사이 이동 시간이 부족합니다.",
        offers="셔틀버스: 배차 간격 20분.",
        regulation=_road(
            "원동기장치자전거는 보도를 통행할 수 없습니다.",
            "캠퍼스 보행로가 보도에 해당해 스쿠터가 다닐 수 없습니다.",
            "캠퍼스 보행로에서 시속 15km 이하 스쿠터 통행 허용",
        ),
        region="대전광역시 유성구 대학 캠퍼스",
        scale="스쿠터 100대",
        max_users=8000,
        safety="캠퍼스 밖 운행 차단, 시속 15km 제한.",
        protection="앱에 실증 사실과 보험 내용을 안내합니다.",
        kpis=(("보행자 충돌 건수", "건", "사고 접수", "월별", "0건"),),
    ),
    "실내 자율주행 안내 로봇": Story(
        summary="공항 터미널에서 자율주행 로봇이 여행객을 탑승구까지 안내합니다.",
        service="여행객이 탑승권을 스캔하면 로봇이 앞장서 탑승구까지 함께 걷습니다.",
        technology="실내 측위, 혼잡도 인지, 다국어 음성 안내.",
        problem="처음 온 여행객이 넓은 터미널에서 길을 잃어 탑승을 놓칩니다.",
        offers="안내 데스크와 표지판: 외국어 안내가 부족합니다.",
        regulation=Regulation(
            "공항시설법",
            "제56조",
            "MOLIT",
            "공항 안에서 시설이나 장비를 운용하려면 공항운영자의 승인 기준을 따라야 합니다.",
            "이동형 로봇에 맞는 승인 기준이 없습니다.",
            "여객 터미널 안 안내 로봇 운행 허용",
            "no_standard",
        ),
        region="인천국제공항 제2여객터미널",
        scale="로봇 8대",
        max_users=50000,
        safety="시속 3km 제한, 혼잡 구역 진입 금지, 사람 감지 시 정지.",
        protection="로봇 화면에 실증 사실과 영상 촬영 안내를 표시합니다.",
        kpis=(("안내 완료 건수", "건", "로봇 로그", "주별", "주 2,000건"),),
    ),
    "드론 야간 택배": Story(
        summary="물류센터에서 도심 거점까지 야간에 드론으로 택배를 옮깁니다.",
        service="새벽 배송 물량을 물류센터에서 도심 거점 5곳으로 드론이 나릅니다.",
        technology="중량 10kg 화물 드론, 야간 조명, 자동 착륙 패드.",
        problem="새벽 배송 트럭이 도심 정체와 소음 민원을 일으킵니다.",
        offers="새벽 배송 트럭.",
        regulation=Regulation(
            "항공안전법",
            "제129조 제5항",
            "MOLIT",
            "야간 비행과 가시권 밖 비행은 특별비행승인을 받아야 합니다.",
            "정기 야간 물류 노선에 대한 승인 기준이 없습니다.",
            "지정 노선의 야간 화물 드론 정기 비행 허용",
        ),
        region="경기도 용인시 물류센터–수원시 거점 5곳",
        scale="드론 12대",
        max_users=None,
        safety="주거지 상공 회피 경로, 낙하산 장착, 기상 악화 시 운항 중단.",
        protection="경로 아래 주민에게 비행 시간과 민원 창구를 안내합니다.",
        kpis=(("야간 소음 민원", "건", "민원 접수", "월별", "월 2건 이하"),),
    ),
    "수요응답형 자율주행 버스": Story(
        summary="승객이 앱으로 부르면 자율주행 버스가 경로를 바꿔 태우러 갑니다.",
        service="신도시 외곽 주민이 앱으로 호출하면 가까운 정류장으로 버스가 옵니다.",
        technology="레벨 4 자율주행, 실시간 경로 최적화.",
        problem="외곽 지역은 배차 간격이 40분이 넘어 버스를 타기 어렵습니다.",
        offers="정기 노선 버스: 외곽 지역 배차 간격이 깁니다.",
        regulation=Regulation(
            "여객자동차 운수사업법",
            "제4조",
            "MOLIT",
            "노선 여객운송은 정해진 노선과 운행 계통을 따라야 합니다.",
            "수요에 따라 경로를 바꾸는 운행은 노선 면허 기준에 맞지 않습니다.",
            "지정 구역 안 수요응답형 자율주행 운송 허용",
        ),
        region="세종특별자치시 외곽 생활권",
        scale="버스 4대",
        max_users=6000,
        safety="안전요원 탑승, 시속 50km 제한.",
        protection="앱에 실증 사실과 요금, 보상 기준을 안내합니다.",
        kpis=(("평균 대기 시간", "분", "호출 기록", "월별", "15분 이내"),),
    ),
    "라이다 기반 무인 순찰 로봇": Story(
        summary="라이다 로봇이 산업단지 외곽을 밤새 순찰하며 침입을 감지합니다.",
        service="로봇이 정해진 경로를 돌며 이상 움직임을 관제실에 알립니다.",
        technology="3D 라이다, 열화상 카메라, 자율 경로 순찰.",
        problem="야간 경비 인력이 부족해 넓은 외곽을 다 살피지 못합니다.",
        offers="고정 CCTV: 사각지대가 많습니다.",
        regulation=Regulation(
            "경비업법",
            "제7조",
            "MOLIT",
            "경비 업무는 경비원이 해야 합니다.",
            "무인 로봇의 순찰이 경비 업무로 인정되지 않습니다.",
            "관제 요원 감독 아래 로봇 순찰을 경비 업무로 인정",
        ),
        region="경상남도 창원시 국가산업단지",
        scale="로봇 6대",
        max_users=None,
        safety="사람 감지 시 정지·경고음, 관제 요원 상시 감시, 야간 최고 시속 4km.",
        protection="순찰 구역에 영상 촬영 안내판을 세웁니다.",
        kpis=(("오경보 비율", "%", "관제 기록", "월별", "10% 이하"),),
    ),
    "자율주행 순찰 로봇 아파트 단지 운행": Story(
        summary="자율주행 로봇이 아파트 단지를 순찰하며 위험 요소를 관리실에 알립니다.",
        service="로봇이 야간에 단지 보도를 돌며 쓰러진 사람, 화재 연기, 파손 시설을 찾습니다.",
        technology="라이다·카메라 인지, 연기 감지, 관리실 알림.",
        problem="경비원 한 명이 여러 동을 맡아 야간 사고를 늦게 발견합니다.",
        offers="고정 CCTV와 경비원 순찰.",
        regulation=_road(
            "차마는 보도를 통행할 수 없습니다.",
            "순찰 로봇이 '차'에 해당하여 단지 보도를 다닐 수 없습니다.",
            "시속 5km 이하 순찰 로봇의 단지 보도 통행 허용",
        ),
        region="경기도 성남시 분당구 2개 단지",
        scale="로봇 4대",
        max_users=4000,
        safety="원격 관제, 사람 감지 시 정지, 야간 경광등, 최고 시속 4km.",
        protection="단지 게시판과 앱에 실증 사실과 영상 보관 기간을 안내합니다.",
    ),
    "무인 로봇 택배 보관함 신도시 확대": Story(
        summary="승인받은 로봇 택배 보관함을 신도시 단지로 넓혀 같은 방식으로 운영합니다.",
        service="인천 연수구에서 실증 중인 로봇 보관함을 같은 기종과 조건으로 신도시 단지에 설치합니다.",
        technology="로봇 팔, 적재 공간 최적화, QR 인증(기존 승인 기종과 같음).",
        problem="신도시 단지도 택배함이 모자라 택배가 현관에 쌓입니다.",
        offers="칸막이 택배함: 큰 상자는 들어가지 않습니다.",
        regulation=Regulation(
            "건축법",
            "제19조",
            "MOLIT",
            "공동주택 공용 공간의 용도를 바꾸려면 허가를 받아야 합니다.",
            "로봇 보관함을 설치할 용도 기준이 없습니다.",
            "단지 공용 공간에 로봇 보관함 설치 허용(승인 사례와 같은 조건)",
            "no_standard",
        ),
        region="경기도 화성시 동탄 2개 단지",
        scale="보관함 4대",
        max_users=3500,
        safety="로봇 팔 작동 구역 차단막, 사람 감지 시 정지.",
        protection="보관함에 실증 사실과 고장 시 연락처를 붙입니다.",
        kpis=(("보관 실패 건수", "건", "보관함 로그", "주별", "주 5건 이하"),),
    ),
}


# The demo companies' profiles (DOMAIN §2), by business registration number.
PROFILES: dict[str, dict[str, object]] = {
    "220-81-12341": {
        "company_size": "small",
        "is_startup": True,
        "founded_on": dt.date(2021, 3, 15),
        "employees": 42,
        "key_people": "김지원 대표 (자율주행 10년)\n이서준 최고기술책임자 (로봇공학 박사)",
        "licences": "위치정보사업 신고, 통신판매업 신고",
        "contact_person": "김지원",
        "contact_phone": "02-555-0123",
    },
    "104-86-12345": {
        "company_size": "medium",
        "is_startup": False,
        "founded_on": dt.date(2012, 9, 1),
        "employees": 130,
        "key_people": "Alex Morgan, CEO",
        "licences": "Medical device sales registration",
        "contact_person": "Alex Morgan",
        "contact_phone": "+82 2 555 0456",
    },
}


def consultation_question(story: Story) -> str:
    """What the officer asks the ministry responsible for the regulation, about this case."""
    reg = story.regulation
    text = f"「{reg.statute}」 {reg.article}에 대한 특례({reg.exemption})에 관해 의견을 요청합니다."
    if story.safety:
        text += (
            f" 신청인이 제시한 안전 조치({story.safety.rstrip('.')})가 충분한지 검토해 주십시오."
        )
    return text


def consultation_reasons(story: Story) -> str:
    """The consulted ministry's answer: agreement on the case's own conditions."""
    return f"{story.regulation.exemption}에 동의하되, 제시된 안전 조치의 유지를 조건으로 합니다."


def conditions_of(story: Story) -> list[str]:
    """The conditions a sample waiver is approved with: its own scope and safety measures, and
    the incident report every waiver carries (supervision reads it as a reporting duty)."""
    scope = ", ".join(part for part in (story.region, story.scale) if part)
    conditions = []
    if scope:
        conditions.append(f"승인된 범위({scope}) 안에서만 실증할 것")
    if story.safety:
        conditions.append(f"안전 조치를 유지할 것: {story.safety.rstrip('.')}")
    conditions.append("사고 발생 시 24시간 이내 보고할 것")
    return conditions


def story_of(title: str) -> Story:
    """The story of a sample case; every sample title has one (a KeyError names a new one)."""
    return STORIES[title]
