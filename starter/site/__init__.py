"""The public B2B site: the landing page, the request form and the signed status page."""
