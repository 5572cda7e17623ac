"""Demo data for letters in official form: each programme's sending department with its
telephone and email, the disclosure class, the approval line where the programme uses one
(the ICT programme does), and the case officers' office telephones."""

from __future__ import annotations

from typing import Any

from applications.models import DisclosureClass, Program, StaffProfile

# programme code → department, department in English, telephone, email, approval line
SIGN_OFF: dict[str, tuple[str, str, str, str, list[dict[str, str]]]] = {
    "ICT": (
        "정보통신산업정책과",
        "ICT Industry Policy Division",
        "044-202-6211",
        "ict-sandbox@msit.example.go.kr",
        [
            {"ko": "주무관", "en": "Officer"},
            {"ko": "사무관", "en": "Deputy Director"},
            {"ko": "과장", "en": "Director"},
        ],
    ),
    "ICP": ("산업융합촉진과", "Industrial Convergence Division", "044-203-4541", "", []),
    "FIN": ("금융혁신과", "Financial Innovation Division", "02-2100-2531", "", []),
    "RZ": ("규제자유특구기획과", "Regulation-Free Zones Division", "044-204-7741", "", []),
    "SC": ("스마트도시정책과", "Smart City Policy Division", "044-201-4841", "", []),
}

# username → office telephone
PHONES = {
    "officer": "044-202-6213",
    "officer2": "044-202-6214",
    "officer_fsc": "02-2100-2533",
}


def seed_letter_sign_off(users: dict[str, Any]) -> None:
    """Converges on every run (configuration, not sample cases)."""
    for code, (department, department_en, phone, email, line) in SIGN_OFF.items():
        Program.objects.filter(code=code).update(
            department=department,
            department_en=department_en,
            phone=phone,
            email=email,
            disclosure=DisclosureClass.PUBLIC,
            approval_line=line,
        )
    for username, phone in PHONES.items():
        if username in users:
            StaffProfile.objects.filter(user=users[username]).update(phone=phone)
