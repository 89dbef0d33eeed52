"""The widgets of the chat screen, one per area of it."""
