"""Sending to a Channels group from synchronous code (services, tasks), shared by the apps.

The database is the record; a socket only delivers. So an unreachable channel layer is logged, never raised
into the caller whose change has already been saved.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def group_send(group: str, message: dict[str, Any]) -> bool:
    """Send `message` to `group`; False (and a logged warning) when the layer is missing or unreachable."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.warning("could not send to the channel group %s", group, exc_info=True)
        return False
    return True
