from django.db import models
from django.utils import timezone


class Customer(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Payment(models.Model):
    DRAFT = "draft"
    POSTED = "posted"
    STATE_CHOICES = [
        (DRAFT, "Draft"),
        (POSTED, "Posted"),
    ]

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    reference = models.CharField(max_length=32, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=DRAFT)
    reconciled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # New in v2: a free-text note. Existing rows get "" (no data is lost).
    memo = models.CharField(max_length=200, blank=True, default="")
    # New in v5: the payment provider's own reference (nullable: existing rows get NULL).
    # Not `reference`, which is Ledger's own (PAY-000001...) since v1.
    provider_reference = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.reference
