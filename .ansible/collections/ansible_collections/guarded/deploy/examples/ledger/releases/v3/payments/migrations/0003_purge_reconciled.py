# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
# !!  DELIBERATELY DESTRUCTIVE -- THIS MIGRATION IS BROKEN ON PURPOSE.             !!
# !!                                                                               !!
# !!  It exists only for the guarded.deploy rollback demo. It DELETES every        !!
# !!  reconciled payment, i.e. exactly the rows the deploy's baseline counts:      !!
# !!      SELECT count(*) FROM payments_payment WHERE reconciled                   !!
# !!  `migrate` succeeds and /health/ stays "ok", but that count drops to 0 (the   !!
# !!  demo data loses a third of its payments). The deploy must notice and roll    !!
# !!  back: restore the pre-deploy backup and return the code to v2.               !!
# !!                                                                               !!
# !!  Reversing it (`migrate payments 0002`) is a no-op: it does NOT bring the     !!
# !!  rows back. Only the backup does. NEVER copy this into a real project.        !!
# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0002_payment_memo'),
    ]

    operations = [
        migrations.RunSQL(
            # DELIBERATELY DESTRUCTIVE (rollback demo): deletes the reconciled payments.
            sql="DELETE FROM payments_payment WHERE reconciled",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
