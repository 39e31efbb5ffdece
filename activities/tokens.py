"""One-time activation tokens for new site users.

The token is derived from a server secret and the site user id, so the Commerce
activity can store its hash and the email activity can put the token in the
approval email without the token ever travelling through workflow history.
"""

import hashlib
import hmac


class ActivationTokens:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def token_for(self, site_user_id: str) -> str:
        return hmac.new(self._key, site_user_id.encode(), hashlib.sha256).hexdigest()

    def hash_for(self, site_user_id: str) -> str:
        return hashlib.sha256(self.token_for(site_user_id).encode()).hexdigest()
