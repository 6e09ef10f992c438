"""manage.py seed_ledger [--customers N] [--payments M] [--force]

Fills the ledger with deterministic demo data: the same arguments always give the
same rows (names, references, amounts, states, dates). Every third payment
(references PAY-000001, PAY-000004, ...) is posted and reconciled, so 3000
payments give exactly 1000 reconciled ones.

Idempotent: when the ledger already holds payments it changes nothing and says
"skipped", unless --force, which deletes all customers and payments and seeds
again. The first word after "seed_ledger:" is "created" or "skipped", so a deploy
can tell whether anything changed.
"""
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from payments.models import Customer, Payment

EPOCH = datetime(2024, 1, 1, 8, 0, tzinfo=dt_timezone.utc)
BATCH = 500


def payment_fields(i):
    """The deterministic values of payment number i (1-based)."""
    reconciled = i % 3 == 1
    state = Payment.POSTED if reconciled or i % 5 != 0 else Payment.DRAFT
    cents = (i * 7919) % 250000 + 100  # 1.00 .. 2500.99
    return {
        "reference": "PAY-%06d" % i,
        "amount": Decimal(cents) / 100,
        "state": state,
        "reconciled": reconciled,
        "created_at": EPOCH + timedelta(minutes=17 * i),
    }


class Command(BaseCommand):
    help = "Seed the ledger with deterministic customers and payments (skips if payments exist)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=40, help="number of customers (default 40)")
        parser.add_argument("--payments", type=int, default=3000, help="number of payments (default 3000)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="delete all existing customers and payments, then seed again",
        )

    def handle(self, *args, **options):
        n_customers = options["customers"]
        n_payments = options["payments"]
        if n_customers < 1:
            raise CommandError("--customers must be at least 1")
        if n_payments < 0:
            raise CommandError("--payments must not be negative")

        with transaction.atomic():
            existing = Payment.objects.count()
            if existing and not options["force"]:
                self.stdout.write(
                    "seed_ledger: skipped, the ledger already has %d payments "
                    "(use --force to reseed)" % existing
                )
                return
            if options["force"]:
                Payment.objects.all().delete()
                Customer.objects.all().delete()

            customers = [
                Customer.objects.get_or_create(name="Customer %03d" % n)[0]
                for n in range(1, n_customers + 1)
            ]
            batch = []
            for i in range(1, n_payments + 1):
                batch.append(Payment(customer=customers[(i - 1) % n_customers], **payment_fields(i)))
                if len(batch) == BATCH:
                    Payment.objects.bulk_create(batch)
                    batch = []
            if batch:
                Payment.objects.bulk_create(batch)

            reconciled = Payment.objects.filter(reconciled=True).count()

        self.stdout.write(
            "seed_ledger: created %d customers and %d payments (%d reconciled)"
            % (n_customers, n_payments, reconciled)
        )
