"""Settings for the med spa site: one module, everything that differs between
machines comes from the environment (see the README's configuration table)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")


def env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=0 the site refuses to start without a real "
            "secret key: set SECRET_KEY in the environment (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG=0: use at least 50 random characters "
        "(`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "medspa.apps.MedspaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_q",
    "treatments",
    "practitioners",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "medspa.sessions.SlidingSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "medspa.sessions.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its own response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username, or from one address, lock it for 15 minutes
# (a correct sign-in clears the count).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
# A username is locked after its failures from anywhere; an address after its own
# failures, counted as the rate limit counts it (behind TRUSTED_PROXY_COUNT proxies,
# the visitor's, never the proxy's). A sign-in clears only that user's failures
# (medspa/auth.py), never those of everyone else at the same address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "medspa.client_address.client_address"
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

ROOT_URLCONF = "medspa.urls"
WSGI_APPLICATION = "medspa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medspa.context_processors.spa",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file beside manage.py (enough to try the site).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: writers take the lock at BEGIN, so two bookings serialise instead of
    # failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/accounts/home/"  # sends each kind of staff to their own start page
LOGOUT_REDIRECT_URL = "/"

# Staff and doctors need a TOTP second factor when STAFF_MFA is on.
STAFF_MFA = env_bool("STAFF_MFA", not DEBUG)
OTP_TOTP_ISSUER = "Med spa"

# Internationalisation and time: stored in UTC, shown in the spa's own zone.
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True
# Dates the admin prints by itself read like the rest of the staff screens (medspa/clock.py).
FORMAT_MODULE_PATH = ["medspa.formats"]

# Static files and uploads.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Django serves the public pictures itself unless a proxy or object store does.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads above this size never reach Pillow; treatments/images.py checks again.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMAGE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
IMAGE_UPLOAD_MAX_PIXELS = 24_000_000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Booking policy (CONTRACT.md): the spa's own rules, so settings, not code.
SPA_NAME = env_str("SPA_NAME", "Lumen Med Spa")
SPA_PHONE = env_str("SPA_PHONE", "(212) 555-0142")
SPA_ADDRESS = env_str("SPA_ADDRESS", "118 Hudson Street, New York, NY 10013")
# Where a phone number typed without a country code is read (ISO 3166 code).
PHONE_REGION = env_str("PHONE_REGION", "US")
# The public address of the site, for links in mail and calendar files.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
BOOKING_SLOT_MINUTES = env_int("BOOKING_SLOT_MINUTES", 15, minimum=1)
BOOKING_MIN_NOTICE_HOURS = env_int("BOOKING_MIN_NOTICE_HOURS", 2)
# Medical treatments wait for the supervising physician's review: booked further ahead.
MEDICAL_MIN_NOTICE_HOURS = env_int("MEDICAL_MIN_NOTICE_HOURS", 24)
BOOKING_MAX_ADVANCE_DAYS = env_int("BOOKING_MAX_ADVANCE_DAYS", 90, minimum=1)
CANCELLATION_NOTICE_HOURS = env_int("CANCELLATION_NOTICE_HOURS", 24)
# The link in a booking's first mail that proves the client's email lasts this long.
EMAIL_PROOF_LINK_DAYS = env_int("EMAIL_PROOF_LINK_DAYS", 7, minimum=1)
# Client accounts (no password): a mailed sign-in link lasts this long, is used once,
# and a client's session ends this long after signing in.
CLIENT_SIGN_IN_LINK_MINUTES = env_int("CLIENT_SIGN_IN_LINK_MINUTES", 15, minimum=1)
CLIENT_SESSION_HOURS = env_int("CLIENT_SESSION_HOURS", 12, minimum=1)
# Sign-in (and find-my-booking) requests allowed an hour, per address and per email.
CLIENT_SIGN_IN_PER_HOUR = env_int("CLIENT_SIGN_IN_PER_HOUR", 5, minimum=0)
# A waitlist offer holds the freed time this long for the client it was mailed to.
WAITLIST_HOLD_MINUTES = env_int("WAITLIST_HOLD_MINUTES", 30, minimum=1)
# The front desk can check a client in from this long before the start.
CHECK_IN_OPENS_MINUTES = env_int("CHECK_IN_OPENS_MINUTES", 60, minimum=0)
# A client's manage link stops working this many days after the visit ends.
MANAGE_LINK_DAYS_AFTER_VISIT = env_int("MANAGE_LINK_DAYS_AFTER_VISIT", 30, minimum=1)
BOOKING_RATE_LIMIT = env_int("BOOKING_RATE_LIMIT", 10)
# A good-faith exam clears a client for this long (commonly a year: DOMAIN.md).
GFE_VALID_MONTHS = env_int("GFE_VALID_MONTHS", 12, minimum=1)
# Behind our own reverse proxy: take the client address it appends to X-Forwarded-For.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)  # same as a count of 1
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if TRUST_X_FORWARDED_FOR else 0)
# `make bench` only: routes /bench/ceiling, a bare constant page (medspa/bench_views.py).
BENCH_CEILING = env_bool("BENCH_CEILING", False)

# Cache: Redis when REDIS_URL is set (shared by every gunicorn worker and machine).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# How long the public catalogue pages (home, catalogue, a treatment) may be served from
# the cache after a change (medspa/page_cache.py); 0 renders them every time.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 60, maximum=60)
# How long free times (the availability API, the booking page's time picker) may be
# served from the cache: only from the shared cache (REDIS_URL), never a worker's own
# memory, and for a few seconds at most. Bookings re-check everything under locks.
FREE_TIMES_CACHE_SECONDS = env_int("FREE_TIMES_CACHE_SECONDS", 2, maximum=5)

# Mail: SMTP when EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lumen Med Spa <bookings@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The background worker (django-q2, database broker: no other server to run). The web
# process only queues; `manage.py qcluster` (make worker) sends mail and texts and runs
# the minute schedule (reminders, follow-ups, retries: bookings/tasks.py).
Q_CLUSTER = {
    "name": "medspa",
    "orm": "default",
    "workers": env_int("WORKER_PROCESSES", 2, minimum=1),
    # A task may run this long (a mail server answers within EMAIL_TIMEOUT)...
    "timeout": 60,
    # ...and is handed out again this long after a worker took it without finishing
    # (killed): must exceed the timeout. Our outbox rows make a second run harmless.
    "retry": 90,
    "max_attempts": 3,
    "save_limit": 500,
    "ack_failures": True,
    "poll": 1,
    # TASKS_SYNC=1 runs each task in the caller at once (the tests: no worker process).
    "sync": env_bool("TASKS_SYNC", False),
    "catch_up": False,
}

# Text messages: Twilio when all three are set, the console (log) otherwise.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM = env_str("TWILIO_FROM")
if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM:
    TEXT_BACKEND = "medspa.texts.TwilioBackend"
else:
    TEXT_BACKEND = "medspa.texts.ConsoleBackend"
# Whether the site offers text reminders at all: with Twilio, or in development (the
# console). A production site without Twilio neither asks for the consent nor "sends"
# texts to its log.
TEXTS_ENABLED = env_bool(
    "TEXTS_ENABLED", bool(TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM) or DEBUG
)
# What the client agrees to when ticking the booking form's text opt-in; stored with
# the consent, word for word.
SMS_CONSENT_WORDING = (
    "Text me reminders of my appointments and let me confirm by reply. "
    "Message and data rates may apply. Reply STOP to opt out, HELP for help."
)
# Reminders (bookings/services/reminders.py), in hours before the visit: a mail with a
# "Confirm" link, a text only while still unconfirmed, and a same-day text.
REMINDER_CONFIRM_MAIL_HOURS = env_int("REMINDER_CONFIRM_MAIL_HOURS", 48, minimum=1)
REMINDER_UNCONFIRMED_TEXT_HOURS = env_int("REMINDER_UNCONFIRMED_TEXT_HOURS", 24, minimum=1)
REMINDER_SAME_DAY_TEXT_HOURS = env_int("REMINDER_SAME_DAY_TEXT_HOURS", 2, minimum=1)
if not (
    REMINDER_CONFIRM_MAIL_HOURS > REMINDER_UNCONFIRMED_TEXT_HOURS > REMINDER_SAME_DAY_TEXT_HOURS
):
    raise ImproperlyConfigured(
        "REMINDER_CONFIRM_MAIL_HOURS > REMINDER_UNCONFIRMED_TEXT_HOURS > "
        "REMINDER_SAME_DAY_TEXT_HOURS: the mail, then the text, then the same-day text."
    )
# Texts go out only between these hours on the spa's clock (DOMAIN.md).
TEXT_WINDOW_START_HOUR = env_int("TEXT_WINDOW_START_HOUR", 8, maximum=23)
TEXT_WINDOW_END_HOUR = env_int("TEXT_WINDOW_END_HOUR", 21, maximum=23)

# Security. HTTPS_ONLY=1 (the default in production) turns on every HTTPS-only
# protection; HTTPS_ONLY=0 is for a private network or a local check of DEBUG=0.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 63_072_000 if HTTPS_ONLY else 0  # two years
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
# Behind a TLS-terminating proxy (README: deployment) the proxy sets this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS_ONLY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: every script, style, font and image comes from our own
# origin (Bootstrap is served from a package, not a CDN); no inline code anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Staff screens lock after 15 minutes idle (DOMAIN.md: what med spa products do);
# medspa/sessions.py moves the end forward as they work.
SESSION_COOKIE_AGE = env_int("STAFF_IDLE_MINUTES", 15, minimum=1) * 60
# ...and end this long after sign-in however active they are (a shared front-desk PC).
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12, minimum=1)

# Error reports keep tracebacks but no POST values or local variables (health data).
DEFAULT_EXCEPTION_REPORTER_FILTER = "medspa.errors.NoClientDataReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Paths in log lines ("Not Found: /bookings/<token>/") lose their link tokens.
    "filters": {"redact_tokens": {"()": "medspa.log_redaction.RedactTokensFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; its warnings (lockouts) are what matter.
    # Twilio's client logs each request (number and text) at INFO: client data.
    "loggers": {"axes": {"level": "WARNING"}, "twilio": {"level": "WARNING"}},
}
