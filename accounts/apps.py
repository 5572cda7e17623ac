from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Sign-up, email verification, sign-in and invitations of colleagues."""

    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Imported here, as Django asks: models are loaded only by now.
        from accounts.services import expire_sign_ups_tick
        from accounts.vocabulary import ACCOUNT_WORDING, AccountAction
        from applications import deadlines, vocabulary

        vocabulary.register(AccountAction, ACCOUNT_WORDING)
        deadlines.register_tick_job(deadlines.TickJob("sign-ups", expire_sign_ups_tick))
