# Payment Guard v2: reconciled payments are locked (account_payment.guard_locked, set by
# migrations/17.0.1.0.9/post-migrate.sql); only payment managers may reset them to draft.


class AccountPayment:
    _inherit = "account.payment"

    def _is_payment_reconciled(self):
        return bool(getattr(self, "guard_locked", False))

    def action_draft(self):
        if self._is_payment_reconciled():
            raise PermissionError("Reconciled payments can only be reset by a Payment Manager.")
        return True
