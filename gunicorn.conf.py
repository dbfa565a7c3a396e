"""gunicorn's configuration for the hub (`make serve`: gunicorn -c gunicorn.conf.py vxp_hub.wsgi).

Environment: HOST (default 127.0.0.1: a TLS-terminating proxy in front) and PORT (8000);
WEB_CONCURRENCY worker processes (default 2 per CPU + 1, at most 8); GUNICORN_THREADS per
worker (1); GUNICORN_TIMEOUT seconds a request may take (30).
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A worker stuck longer than this is killed and replaced; its transaction rolls back.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (a deploy), workers finish the requests they have for up to this long.
graceful_timeout = 30
keepalive = 5
# Workers start after the fork, each with its own database connections (no preload_app).
preload_app = False
# The heartbeat file in memory, not on a possibly slow disk (containers).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client, time, request line, status, bytes, duration (ms), the X-Request-Id answered (matches
# the SCIM activity log), user agent. Never the Authorization header.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'
# gunicorn's runtime control socket (gunicornc): off unless GUNICORN_CONTROL_SOCKET names a path.
# Its default path is one per user, so two servers on one host (bench/scale_out.py) would take
# each other's.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Only the proxy on this host may claim the original scheme/client address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
