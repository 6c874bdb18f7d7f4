"""Which council a message belongs to, from the knowledge base's council files."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.loader import knowledge_base
from knowledge.model import Council


class UnknownCouncil(LookupError):
    pass


@dataclass(frozen=True)
class CouncilDirectory:
    councils: dict[str, Council]
    default_id: str

    @classmethod
    def load(cls, default_id: str) -> CouncilDirectory:
        _, councils = knowledge_base()
        if default_id not in councils:
            raise UnknownCouncil(
                f"DEFAULT_COUNCIL '{default_id}' has no file in knowledge/councils"
            )
        return cls(councils=councils, default_id=default_id)

    def get(self, council_id: str) -> Council:
        try:
            return self.councils[council_id]
        except KeyError:
            raise UnknownCouncil(council_id) from None

    def web_chat_origins(self) -> list[str]:
        """Every website any council lets embed its web chat (for CORS)."""
        return sorted({o for c in self.councils.values() for o in c.web_chat_origins})

    def for_sms_number(self, number: str) -> Council:
        """The council whose Twilio number was texted; the default council otherwise."""
        for council in self.councils.values():
            if number in council.sms_numbers:
                return council
        return self.councils[self.default_id]
