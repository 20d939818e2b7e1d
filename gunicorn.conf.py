"""gunicorn settings for Tend: workers from the CPU count, bound to $PORT."""

import gc
import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
# Sign-in hashing (argon2id) is CPU-bound; threads keep slow clients from blocking a worker.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# gthread, and after a crash of the master its workers free the port at once, so a master
# restarted by the supervisor binds (app/gunicorn_worker.py). Not reuse_port: with it, a
# second master started by mistake would share the port silently instead of failing.
worker_class = "app.gunicorn_worker.PortReleasingWorker"
# Load the app (settings, content bundles, templates' code) once in the master and fork the
# workers from it: a worker recycled by max_requests starts in milliseconds instead of
# spending a second of CPU importing and validating everything again. app.db gives each
# worker its own database connections.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Request lines and headers only; Tend never logs bodies or query strings with personal data.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# The same lines with secrets in addresses (the calendar feed's) replaced by [redacted].
logger_class = "app.access_log.RedactingLogger"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    # After the app is loaded and before any worker is forked: everything loaded so far (the
    # content library above all) lives as long as the process, so the workers' garbage
    # collector need not walk it again and again, nor touch its pages (copy-on-write).
    gc.freeze()
