import logging

from django.db import connection
from django.db.models import Count, Q, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from ledger_site.version import VERSION

from .models import Customer, Payment

logger = logging.getLogger(__name__)


def index(request):
    """Home page. Touches no database, so it shows which code is being served."""
    response = render(request, "payments/index.html", {"version": VERSION})
    response["X-Ledger-Version"] = VERSION
    return response


@never_cache
def health(request):
    """{"status": "ok", "version": ..., "database": "ok"}, or HTTP 500 with status "error"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        payments = Payment.objects.count()
    except Exception as exc:  # any database failure makes the app unhealthy
        logger.error("health check failed: %s: %s", exc.__class__.__name__, exc)
        response = JsonResponse(
            {
                "status": "error",
                "version": VERSION,
                "database": "error",
                "detail": exc.__class__.__name__,
            },
            status=500,
        )
    else:
        response = JsonResponse(
            {"status": "ok", "version": VERSION, "database": "ok", "payments": payments}
        )
    response["X-Ledger-Version"] = VERSION
    return response


@never_cache
def payment_summary(request):
    """Counts of the ledger's payments (what a smoke test can compare to a baseline)."""
    totals = Payment.objects.aggregate(
        total=Count("id"),
        posted=Count("id", filter=Q(state=Payment.POSTED)),
        draft=Count("id", filter=Q(state=Payment.DRAFT)),
        reconciled=Count("id", filter=Q(reconciled=True)),
        amount=Sum("amount"),
    )
    return JsonResponse(
        {
            "version": VERSION,
            "customers": Customer.objects.count(),
            "payments": {
                "total": totals["total"],
                "posted": totals["posted"],
                "draft": totals["draft"],
                "reconciled": totals["reconciled"],
                "unreconciled": totals["total"] - totals["reconciled"],
            },
            "total_amount": str(totals["amount"] or "0.00"),
        }
    )
