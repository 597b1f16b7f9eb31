"""A stock XMPP client (slixmpp, from PyPI) logs in to gatecheck-server: legacy SASL, bind, roster.

Usage: python3 interop/clients/slixmpp_login.py HOST PORT JID PASSWORD
Exits 0 when the session started (SASL succeeded, a resource was bound and the roster fetched), 1 otherwise.
The server's certificate is self-signed on purpose, so verification is off; loopback only.
"""

import asyncio
import ssl
import sys

import slixmpp


class Login(slixmpp.ClientXMPP):
    def __init__(self, jid: str, password: str) -> None:
        super().__init__(jid, password)
        self.ok = False
        self.add_event_handler("session_start", self.started)
        self.add_event_handler("failed_all_auth", self.failed)

    async def started(self, _event) -> None:
        self.send_presence()
        await self.get_roster()
        print(f"logged in as {self.boundjid.full}")
        self.ok = True
        self.disconnect()

    def failed(self, _event) -> None:
        print("authentication failed")
        self.disconnect()


def main() -> int:
    host, port, jid, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    client = Login(jid, password)
    client.ssl_context.check_hostname = False
    client.ssl_context.verify_mode = ssl.CERT_NONE
    client.connect(host=host, port=port)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(client.disconnected, 20))
    except asyncio.TimeoutError:
        print("timed out")
    return 0 if client.ok else 1


if __name__ == "__main__":
    sys.exit(main())
