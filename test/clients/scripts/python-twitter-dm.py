"""Sends one DM with Debian's python3-twitter, unmodified, and prints what the library parsed, as JSON."""
import json
import sys
from calendar import timegm
from email.utils import parsedate

import twitter

base_url, consumer_key, consumer_secret, token, token_secret, by, recipient, text = sys.argv[1:9]
api = twitter.Api(consumer_key=consumer_key, consumer_secret=consumer_secret, access_token_key=token,
                  access_token_secret=token_secret, base_url=base_url)
try:
    dm = api.PostDirectMessage(text, **{by: recipient})
except twitter.TwitterError as e:
    print(json.dumps({"error": e.message}))
    sys.exit(0)
print(json.dumps({
    "type": type(dm).__name__,
    "id": str(dm.id),
    "text": dm.text,
    "sender_id": str(dm.sender_id),
    "sender_screen_name": dm.sender_screen_name,
    "sender_name": dm.sender.name,
    "recipient_id": str(dm.recipient_id),
    "recipient_screen_name": dm.recipient_screen_name,
    # How python-twitter reads its own created_at values (Status.created_at_in_seconds).
    "created_at_in_seconds": timegm(parsedate(dm.created_at)),
}))
