import httpx

from delivery import http


def test_it_shares_one_client_per_process(settings):
    settings.SIGNAL_HTTP_TIMEOUT_SECONDS = 7.0
    http.close_client()

    client = http.get_client()

    assert http.get_client() is client
    assert client.timeout == httpx.Timeout(7.0, connect=5.0)
    http.close_client()
    assert client.is_closed
    assert http.get_client() is not client
    http.close_client()


def test_a_forked_child_gets_its_own_client(monkeypatch):
    parent = http.get_client()
    monkeypatch.setattr(http, "_pid", -1)  # as seen from a child after fork

    child = http.get_client()

    assert child is not parent
    assert not parent.is_closed
    parent.close()
    http.close_client()
