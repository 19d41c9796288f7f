import pytest

from tests.reliability.races import ATTEMPTS


@pytest.fixture
def server(live_server):
    """The live server, listening with room for every attempt's connection at once.

    Django's test server listens with a backlog of 10 (gunicorn: 2048); 50 connections
    opened in the same millisecond overflow it and some are reset before the server
    sees them, which would measure the test server rather than the booking code.
    Listening again on the bound socket only widens the queue.
    """
    live_server.thread.httpd.socket.listen(ATTEMPTS * 2)
    return live_server
