"""The Temporal UI's codec: payloads in Temporal's JSON form, decrypted or encrypted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from cryptography.exceptions import InvalidTag
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec


class UnreadablePayloads(Exception):
    """The body is not payloads, or holds data this codec cannot read: an unknown key id, or
    a sealed payload that was altered (or sealed with another key of the same id)."""


class CodecService:
    def __init__(self, codec: PayloadCodec) -> None:
        self._codec = codec

    async def decode(self, body: bytes) -> str:
        return await self._apply(body, self._codec.decode)

    async def encode(self, body: bytes) -> str:
        return await self._apply(body, self._codec.encode)

    @staticmethod
    async def _apply(
        body: bytes, transform: Callable[[Sequence[Payload]], Awaitable[list[Payload]]]
    ) -> str:
        try:
            payloads = json_format.Parse(body, Payloads())
        except (json_format.ParseError, UnicodeDecodeError) as err:  # bad JSON or base64
            raise UnreadablePayloads(f"payloads: {err}") from err
        try:
            result = Payloads(payloads=await transform(payloads.payloads))
        except InvalidTag as err:  # AES-GCM's check: the sealed bytes are not as written
            raise UnreadablePayloads("a payload does not open: altered, or not ours") from err
        except DecodeError as err:  # opened, but what was sealed is no payload
            raise UnreadablePayloads(f"a payload opens to no payload: {err}") from err
        except ValueError as err:  # an unknown key id, a nonce cut short
            raise UnreadablePayloads(str(err)) from err
        return json_format.MessageToJson(result)
