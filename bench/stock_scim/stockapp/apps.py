from django.apps import AppConfig


class StockAppConfig(AppConfig):
    name = "stockapp"
