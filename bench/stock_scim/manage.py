#!/usr/bin/env python
"""Stock django-scim2 0.23.0 reference project (bench only; see README.md here).

    DATABASE_URL=sqlite:////tmp/stock.sqlite3 STOCK_SCIM_TOKEN=secret python bench/stock_scim/manage.py migrate
"""
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stockproj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
