{
    "name": "Payment Guard",
    "version": "17.0.1.1.1",
    "summary": "Guards posted and reconciled payments (guarded.deploy stand-in module)",
    "depends": ["account"],
    "data": ["views/account_payment_views.xml"],
    "license": "LGPL-3",
    "installable": True,
}
