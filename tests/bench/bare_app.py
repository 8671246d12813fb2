"""The baseline for the collection benchmark: a bare ASGI app served by the same daphne.

It reads the body and answers what the collector answers, with no parsing and no database.
"""

BODY = b'{"success": true}'


async def application(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(BODY)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": BODY})
