# Payment Guard v1: the model code of a real module would live here. The Odoo stand-in
# (examples/odoo-standin/odoo-bin) does not import it; it reads the manifest and runs
# the module's migrations/<version>/*.sql and cron/*.sql.


class AccountPayment:
    _inherit = "account.payment"

    def action_draft(self):
        return True
