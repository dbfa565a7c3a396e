"""Django's database cache with an atomic ``incr``, for counters shared by server processes.

Django's ``DatabaseCache.incr`` is a ``get`` then a ``set``: two processes incrementing at once
both read N and both write N+1, so a rate limiter on it lets through more than its limit. Here
``incr`` is one transaction that locks the row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway, and the hub opens its transactions IMMEDIATE) and writes the new
value: two statements, no lost increments. Everything else is Django's.

    CACHES = {"default": {"BACKEND": "scim_provisioning.cache.DatabaseCache", "LOCATION": "django_cache"}}

The table comes from ``manage.py createcachetable`` (Django's test runner makes it too).
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        qn = connection.ops.quote_name
        table = qn(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {qn('value')}, {qn('expires')} FROM {table} WHERE {qn('cache_key')} = %s{lock}", [key]
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                expression = models.Expression(output_field=models.DateTimeField())
                for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
                    expires = converter(expires, expression, connection)
                if expires < tz_now():
                    row = None
            if row is None:
                raise ValueError(f"Key '{key}' not found.")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {qn('value')} = %s WHERE {qn('cache_key')} = %s", [encoded, key])
        return value
