from django.urls import path

from payments import views

urlpatterns = [
    path("", views.index, name="index"),
    path("health/", views.health, name="health"),
    path("payments/", views.payment_summary, name="payment-summary"),
]
