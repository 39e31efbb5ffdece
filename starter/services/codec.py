"""The Temporal UI's codec: payloads in Temporal's JSON form, decrypted or encrypted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec


class UnreadablePayloads(Exception):
    """The body is not payloads, or holds data this codec cannot read (an unknown key id)."""


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
        except json_format.ParseError as err:
            raise UnreadablePayloads(f"payloads: {err}") from err
        try:
            result = Payloads(payloads=await transform(payloads.payloads))
        except ValueError as err:  # an unknown key id, or data that is not ours
            raise UnreadablePayloads(str(err)) from err
        return json_format.MessageToJson(result)
