"""The LINE Messaging API integration the apps share: channels, webhook, event store, client, simulator."""
