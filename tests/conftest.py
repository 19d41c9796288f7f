import pytest
from django.core.cache import cache

from medspa import texts
from tests.spa import Spa, build_spa


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Uploads from a test never land in the project's media folder; hashing is quick; the
    cache starts empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests never run collectstatic, so no manifest of hashed names exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Public pages cached by one test must not be served to the next (medspa/page_cache.py).
    cache.clear()
    # Texts are kept in medspa.texts.outbox, like mail in django.core.mail.outbox.
    settings.TEXT_BACKEND = "medspa.texts.LocmemBackend"
    texts.outbox.clear()


@pytest.fixture
def spa(db) -> Spa:
    return build_spa()
