import pytest

from applications.audit import audit_verify
from applications.workflow import ApplicationStatus as S
from tests.builders import drive


@pytest.mark.parametrize("status", S.values)
def test_every_status_is_reachable_through_the_services(world, status):
    app = drive(world, status)
    app.refresh_from_db()
    assert app.status == status
    assert audit_verify().ok
