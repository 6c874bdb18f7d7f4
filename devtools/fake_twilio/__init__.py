"""A local stand-in for Twilio, with Twilio's wire formats, for dev machines and CI.

Twilio cannot be reached there, so the service sends to this instead (TWILIO_API_BASE_URL),
and this posts inbound SMS to the service's webhook as Twilio would. What it does like Twilio:

- Messages API (`/2010-04-01/Accounts/{AccountSid}/Messages.json`): HTTP basic auth, form-encoded
  `To`/`From`/`Body`/`StatusCallback`, 201 with a Message resource (`num_segments` counted
  with knowledge.sms_text), Twilio's error JSON and codes; list (newest first, filters `To`,
  `From`, `DateSent`) and fetch one (`.../Messages/{MessageSid}.json`).
- Delivery: queued, then `sent` and `delivered` about 0.2 s apart, each posted to the
  `StatusCallback` URL as a signed (`X-Twilio-Signature`), form-encoded status callback;
  failed posts are retried twice, then dropped.
- Opt-out as on Twilio long codes by default: a one-word STOP, STOPALL, UNSUBSCRIBE, CANCEL,
  END, QUIT, REVOKE or OPTOUT blocks that phone for that council number (later sends get
  400, code 21610) and START, YES or UNSTOP unblock it; the message is still forwarded to the
  webhook and Twilio's confirmation text is recorded. HELP gets no auto-reply here: the
  service answers HELP itself.

Only for tests and developers, and not part of Twilio: the JSON controls under `/fake/`
(queue failures, block a pair, send an inbound SMS, read a thread; see controls.py) and the
phone page at `/`, which texts the assistant through them.

Run: python -m devtools.fake_twilio --port 8090 --webhook-url http://127.0.0.1:8000/twilio/sms
"""

from devtools.fake_twilio.app import create_fake_twilio
from devtools.fake_twilio.config import DEFAULT_WEBHOOK_URL

__all__ = ["DEFAULT_WEBHOOK_URL", "create_fake_twilio"]
