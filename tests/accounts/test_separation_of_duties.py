"""Item 2 of the second security review: separation of duties. Decided: a person works for the
regulator or belongs to an applying organisation, never both (``applications/roles.py``).
Account writes refuse to mix the two, and an account that mixes them anyway acts on no case:
every predicate says no, so every service refuses (tested on the services, not only pages)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client

from accounts.services import invitation_accept, invitation_send
from applications import services
from applications.models import Membership
from applications.roles import Role
from applications.workflow import ApplicationStatus as S
from core.errors import NotPermitted
from tests.builders import COMPLETE_DRAFT, drive
from tests.factories import pass_second_factor


def link_in(message):
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_an_officer_cannot_accept_an_invitation_into_an_applicant_organisation(
    world, django_capture_on_commit_callbacks
):
    """The reviewers' path: the applicant invites the officer's address; the officer accepts."""
    world.officer.email = "officer@ministry.example"
    world.officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        token = invitation_send(
            organization=world.organization, by=world.applicant, email="officer@ministry.example"
        )
    with pytest.raises(NotPermitted):
        invitation_accept(token=token, by=world.officer)
    assert not Membership.objects.filter(user=world.officer).exists()
    assert not world.officer.groups.filter(name=Role.APPLICANT).exists()


def test_the_invitation_page_says_so_to_a_signed_in_officer(
    world, client, django_capture_on_commit_callbacks
):
    world.officer.email = "officer@ministry.example"
    world.officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(
            organization=world.organization, by=world.applicant, email="officer@ministry.example"
        )
    pass_second_factor(client, world.officer)
    response = client.post(link_in(mail.outbox[0]), {})
    assert response.status_code == 400
    assert "A staff account cannot join" in response.content.decode()
    assert not Membership.objects.filter(user=world.officer).exists()


def mix(user, organization):
    """Make ``user`` also a member of ``organization`` behind the services' back (older data, a
    database edit): the predicates must hold all the same."""
    Membership.objects.create(user=user, organization=organization)
    user.groups.add(Group.objects.get_or_create(name=Role.APPLICANT)[0])
    return User.objects.get(pk=user.pk)  # fresh: no cached roles


def test_a_mixed_account_cannot_apply_submit_accept_or_recommend(world):
    draft_case = drive(world, S.DRAFT)
    submitted = drive(world, S.SUBMITTED)
    reviewing = drive(world, S.UNDER_REVIEW)  # assigned to this officer before the mix
    officer = mix(world.officer, world.organization)
    with pytest.raises(NotPermitted):
        services.application_create_draft(
            by=officer,
            organization=world.organization,
            program=world.program,
            track=world.exemption,
            **COMPLETE_DRAFT,
        )
    with pytest.raises(NotPermitted):
        services.application_submit(application=draft_case, by=officer)
    with pytest.raises(NotPermitted):
        services.application_accept(application=submitted, by=officer, no_conflict_declared=True)
    with pytest.raises(NotPermitted):
        services.application_recommend(
            application=reviewing,
            by=officer,
            outcome="approve",
            proposed_term_days=730,
            proposed_conditions=["조건"],
        )
    for case, status in ((draft_case, S.DRAFT), (submitted, S.SUBMITTED)):
        case.refresh_from_db()
        assert case.status == status


def test_a_mixed_decider_cannot_decide(world):
    case = drive(world, S.DELIBERATION)
    decider = mix(world.decider, world.organization)
    with pytest.raises(NotPermitted):
        services.application_reject(application=case, by=decider, reasons="근거 부족")
    case.refresh_from_db()
    assert case.status == S.DELIBERATION


def test_the_admin_refuses_to_give_a_member_a_staff_role_or_a_member_a_staff_account(world):
    operator = User.objects.create_superuser("operator", "op@example.test", "pw")
    client = Client()
    pass_second_factor(client, operator)
    officer_group = Group.objects.get(name=Role.CASE_OFFICER)
    applicant = world.applicant
    response = client.post(
        f"/admin/auth/user/{applicant.pk}/change/",
        {
            "username": applicant.username,
            "email": applicant.email,
            "is_active": "on",
            "groups": [str(officer_group.pk)],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "staff_profile-TOTAL_FORMS": "0",
            "staff_profile-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "never both" in response.content.decode()
    assert not applicant.groups.filter(name=Role.CASE_OFFICER).exists()
    organization = world.organization
    members = list(organization.memberships.values_list("pk", "user_id"))
    data = {
        "name": organization.name,
        "registration_number": organization.registration_number,
        "representative": organization.representative,
        "address": organization.address,
        "language": organization.language,
        "memberships-TOTAL_FORMS": str(len(members) + 1),
        "memberships-INITIAL_FORMS": str(len(members)),
    }
    for index, (pk, user_id) in enumerate(members):
        data[f"memberships-{index}-id"] = str(pk)
        data[f"memberships-{index}-user"] = str(user_id)
        data[f"memberships-{index}-organization"] = str(organization.pk)
    data[f"memberships-{len(members)}-user"] = str(world.decider.pk)
    data[f"memberships-{len(members)}-organization"] = str(organization.pk)
    response = client.post(f"/admin/applications/organization/{organization.pk}/change/", data)
    assert response.status_code == 200
    assert "never both" in response.content.decode()
    assert not Membership.objects.filter(user=world.decider).exists()
